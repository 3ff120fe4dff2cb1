import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCIModel

/// A client for one registry host speaking the OCI distribution API (v1.1) and Docker's v2 API.
///
/// One actor per host keeps the learnt scheme, challenge and token cache together; several clients
/// may share one `HTTPClient`. Requests that are safe to repeat (GET/HEAD) are retried a few times on
/// connection errors and 429/502/503/504; a 401 triggers one re-authentication and retry.
public actor RegistryClient {
    /// `host[:port]` as given, e.g. `127.0.0.1:5000` or `registry-1.docker.io`.
    public nonisolated let host: String
    public nonisolated let options: RegistryOptions
    let httpClient: HTTPClient
    private let ownsHTTPClient: Bool

    /// `scheme://host`, decided by `ping()`.
    var baseURL: String?
    var authMode: AuthMode = .anonymous
    var tokens: [String: CachedToken] = [:]
    /// What uploads learnt about this registry (e.g. it refuses large monolithic PUTs); see `UploadPolicy`.
    var uploadPolicy = UploadPolicy()

    /// Traffic counters since the client was created.
    // internal(set), not private(set): the blob and manifest extensions live in other files.
    public internal(set) var stats = TransferStats()

    /// Creates a client. Without `httpClient` it creates its own (redirects disabled, read timeout
    /// `options.timeout`, no internal connection retries), which `shutdown()` closes. A shared client
    /// should come from `makeHTTPClient(options:)`.
    /// An unusable `host` (with a scheme, path or user) is reported by the first request.
    public init(host: String, options: RegistryOptions = RegistryOptions(), httpClient: HTTPClient? = nil) {
        self.host = host
        self.options = options
        if let httpClient {
            self.httpClient = httpClient
            ownsHTTPClient = false
        } else {
            self.httpClient = Self.makeHTTPClient(options: options)
            ownsHTTPClient = true
        }
    }

    /// An HTTP client configured as registry clients need it, to share between several of them:
    /// redirects off (followed by hand, without forwarding credentials), read timeout
    /// `options.timeout`, no decompression, and no internal connection retries — otherwise
    /// AsyncHTTPClient retries a refused connection or failed TLS handshake until the request
    /// deadline, so the HTTPS probe of a plain-HTTP registry would take the whole timeout.
    public static func makeHTTPClient(options: RegistryOptions) -> HTTPClient {
        let timeout = TimeAmount.milliseconds(Int64(options.timeout * 1000))
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: min(.seconds(30), timeout), read: timeout),
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the HTTP client if this client created it.
    public func shutdown() async throws {
        if ownsHTTPClient { try await httpClient.shutdown() }
    }

    /// `GET /v2/`: decides the scheme and learns the authentication challenge.
    ///
    /// HTTPS always comes first. Hosts in `insecureHosts` and loopback hosts fall back to plain HTTP
    /// when HTTPS fails to connect (a local test registry usually has no TLS).
    public func ping() async throws {
        guard !host.isEmpty, !host.contains("/"), !host.contains("@"), !host.contains(" ") else {
            throw RegistryError.invalidHost(host, reason: "expected host[:port] without scheme, path or user")
        }
        let schemes = isPlainHTTPAllowed(host) ? ["https", "http"] : ["https"]
        for (index, scheme) in schemes.enumerated() {
            let isLast = index == schemes.count - 1
            let url = "\(scheme)://\(host)/v2/"
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: options.userAgent)
            let response: HTTPClientResponse
            do {
                response = try await executeRetrying(request, attempts: isLast ? 3 : 1)
            } catch let error as RegistryError {
                if isLast { throw error }
                continue
            }
            let body = Data(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
            baseURL = "\(scheme)://\(host)"
            switch response.status.code {
            case 200:
                authMode = .anonymous
            case 401:
                authMode = AuthMode(challenges: AuthChallenge.parse(headers: response.headers["WWW-Authenticate"]))
            default:
                baseURL = nil
                throw RegistryError.http(status: Int(response.status.code), method: "GET", host: host, path: "/v2/",
                                         errors: RegistryErrorDetail.parse(body),
                                         body: "not a registry API endpoint (expected 200 or 401)")
            }
            return
        }
    }

    func ensureReady() async throws {
        if baseURL == nil { try await ping() }
    }

    /// Full URL for an API path such as `/v2/<name>/blobs/<digest>`.
    func apiURL(_ path: String) async throws -> String {
        try await ensureReady()
        return baseURL! + path
    }

    // MARK: Requests

    /// A request body that can be produced again for a retry.
    enum Body: Sendable {
        case data(Data)
        /// Streamed from the file in chunks, `size` bytes, never held in memory whole.
        case file(path: String, size: Int64)
        /// `length` bytes of a file from `offset`, streamed (one chunk of a chunked upload).
        case fileRegion(path: String, offset: Int64, length: Int64)
    }

    /// Sends a request to the registry: adds User-Agent and Authorization (only for the registry's own
    /// origin), re-authenticates once on 401, optionally follows redirects, and retries idempotent
    /// requests on transient failures.
    ///
    /// The caller must consume or drop the returned response body.
    // The retry policy is deliberately simple (3 tries, 250/500 ms); issue 3 hardens it (Retry-After,
    // jitter, resumable uploads, token refresh before long commits).
    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: Body? = nil,
              scopes: [String], followRedirects: Bool = false, longTransfer: Bool = false) async throws -> HTTPClientResponse {
        let idempotent = method == .GET || method == .HEAD
        let maxAttempts = idempotent ? 3 : 1
        var url = url
        var scopes = scopes
        var attempt = 1
        var reauthenticated = false
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers = headers
            request.headers.replaceOrAdd(name: "User-Agent", value: options.userAgent)
            let ownOrigin = isRegistryOrigin(url)
            if ownOrigin, let authorization = try await authorization(scopes: scopes) {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            switch body {
            case let .data(data)?:
                request.body = .bytes(ByteBuffer(data: data))
            case let .file(path, size)?:
                request.body = .stream(FileChunks(path: path), length: .known(size))
            case let .fileRegion(path, offset, length)?:
                request.body = .stream(FileRegion(path: path, offset: offset, length: length), length: .known(length))
            case nil:
                break
            }
            let deadline: NIODeadline = longTransfer ? .now() + .hours(24) : .now() + .milliseconds(Int64(options.timeout * 1000))

            let response: HTTPClientResponse
            do {
                stats.requests += 1
                response = try await httpClient.execute(request, deadline: deadline)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if idempotent && attempt < maxAttempts {
                    try await backoff(attempt)
                    attempt += 1
                    continue
                }
                let (h, path) = Self.display(url)
                throw RegistryError.connectionFailed(method: method.rawValue, host: h, path: path, reason: "\(error)")
            }

            let code = Int(response.status.code)
            if code == 401, ownOrigin, !reauthenticated {
                reauthenticated = true
                let previous = request.headers.first(name: "Authorization")
                scopes = handleUnauthorized(response, scopes: scopes)
                let next = try await authorization(scopes: scopes)
                // Retry only when we now send something different (a fresh token, first credentials);
                // resending what was just refused would only double the 401s.
                var worthRetrying = next != nil && next != previous
                if case .bearer = authMode, next != nil { worthRetrying = true }
                if worthRetrying {
                    await Self.drain(response)
                    continue
                }
                return response
            }
            if followRedirects, [301, 302, 303, 307, 308].contains(code),
               let location = response.headers.first(name: "Location") {
                await Self.drain(response)
                redirects += 1
                guard redirects <= 5, let next = Self.resolve(location, against: url) else {
                    let (h, path) = Self.display(url)
                    throw RegistryError.invalidResponse(method: method.rawValue, host: h, path: path,
                                                        reason: "too many or unusable redirects")
                }
                url = next
                continue
            }
            if idempotent, [429, 502, 503, 504].contains(code), attempt < maxAttempts {
                await Self.drain(response)
                try await backoff(attempt)
                attempt += 1
                continue
            }
            return response
        }
    }

    /// Executes without auth, retrying connection failures (used by ping).
    private func executeRetrying(_ request: HTTPClientRequest, attempts: Int) async throws -> HTTPClientResponse {
        var attempt = 1
        while true {
            do {
                stats.requests += 1
                return try await httpClient.execute(request, timeout: .milliseconds(Int64(options.timeout * 1000)))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if attempt < attempts {
                    try await backoff(attempt)
                    attempt += 1
                    continue
                }
                let (h, path) = Self.display(request.url)
                throw RegistryError.connectionFailed(method: request.method.rawValue, host: h, path: path, reason: "\(error)")
            }
        }
    }

    private func backoff(_ attempt: Int) async throws {
        try await Task.sleep(for: .milliseconds(250 << (attempt - 1)))
    }

    /// Builds the error for a response we did not expect, reading (a bounded part of) its body.
    func failure(_ response: HTTPClientResponse, _ method: HTTPMethod, _ url: String) async -> RegistryError {
        let data = Data(buffer: (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer())
        let details = RegistryErrorDetail.parse(data)
        let (h, path) = Self.display(url)
        let code = Int(response.status.code)
        if code == 401 || code == 403 {
            let reason = await unauthorizedReason(status: code, method: method.rawValue, path: path)
            return .unauthorized(status: code, method: method.rawValue, host: h, path: path, reason: reason, errors: details)
        }
        var text: String?
        if details.isEmpty, !data.isEmpty {
            text = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return .http(status: code, method: method.rawValue, host: h, path: path, errors: details, body: text)
    }

    static func drain(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 1 << 20)
    }

    // MARK: Hosts and URLs

    /// Plain HTTP is allowed for configured insecure hosts and loopback addresses.
    nonisolated func isPlainHTTPAllowed(_ authority: String) -> Bool {
        options.insecureHosts.contains(authority) || Self.isLoopback(authority)
    }

    /// `localhost`, `127.0.0.0/8` or `[::1]`, with or without a port.
    static func isLoopback(_ authority: String) -> Bool {
        var hostPart = authority.lowercased()
        if hostPart.hasPrefix("[") {
            hostPart = String(hostPart.dropFirst().prefix { $0 != "]" })
            return hostPart == "::1"
        }
        if let colon = hostPart.lastIndex(of: ":") { hostPart = String(hostPart[..<colon]) }
        if hostPart == "localhost" { return true }
        let octets = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// True when `url` has the registry's scheme, host and port: only then is Authorization sent.
    func isRegistryOrigin(_ url: String) -> Bool {
        guard let baseURL, let a = URLComponents(string: baseURL), let b = URLComponents(string: url) else { return false }
        return a.scheme?.lowercased() == b.scheme?.lowercased()
            && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }

    /// Resolves a `Location` (absolute, or relative to the request URL), keeping its query.
    static func resolve(_ location: String, against url: String) -> String? {
        guard let base = URL(string: url), let resolved = URL(string: location, relativeTo: base) else { return nil }
        return resolved.absoluteString
    }

    /// Host and path of a URL for messages: never the query (it may carry signatures or state).
    static func display(_ url: String) -> (host: String, path: String) {
        guard let c = URLComponents(string: url) else { return ("", "") }
        var authority = c.host ?? ""
        if authority.contains(":") { authority = "[\(authority)]" }
        if let port = c.port { authority += ":\(port)" }
        return (authority, c.percentEncodedPath)
    }

    /// Percent-encodes a query value: only RFC 3986 unreserved characters stay literal.
    static func queryValue(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Appends `name=value` to a URL that may already have a query (upload locations carry `_state`).
    static func appendingQuery(_ url: String, _ name: String, _ value: String) -> String {
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + name + "=" + queryValue(value)
    }
}
