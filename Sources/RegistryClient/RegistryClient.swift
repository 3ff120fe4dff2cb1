import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OCIModel

/// A client for one registry host speaking the OCI distribution API (v1.1) and Docker's v2 API.
///
/// One actor per host keeps the learnt scheme, challenge and token cache together; several clients
/// may share one `HTTPClient`. Requests that are safe to repeat are retried on transient failures
/// under `options.retry` (see `send` and `withRetries`); a 401 triggers one re-authentication and retry.
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

    /// An HTTP client configured as registry clients need it, to share between several of them
    /// (all with the same `options`): redirects off (followed by hand, without forwarding
    /// credentials), read timeout `options.timeout`, no decompression, TLS verified against the
    /// system trust store plus `options.caFile`, and no internal connection retries — `send`
    /// retries under `options.retry`, and AsyncHTTPClient's own retries would make the HTTPS probe
    /// of a plain-HTTP registry take the whole timeout.
    public static func makeHTTPClient(options: RegistryOptions) -> HTTPClient {
        let timeout = TimeAmount.milliseconds(Int64(options.timeout * 1000))
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: min(.seconds(30), timeout), read: timeout),
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        // Full verification (chain and host name, IP SANs for addresses) is the default; extra
        // roots are added to the system store, never replace it.
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the HTTP client if this client created it.
    public func shutdown() async throws {
        if ownsHTTPClient { try await httpClient.shutdown() }
    }

    /// `GET /v2/`: decides the scheme and learns the authentication challenge.
    ///
    /// HTTPS always comes first. Hosts in `insecureHosts` and loopback hosts fall back to plain HTTP
    /// when HTTPS fails to connect (a local test registry usually has no TLS) — but not when the
    /// server speaks TLS with a certificate we do not trust: that is reported, never bypassed.
    public func ping() async throws {
        guard !host.isEmpty, !host.contains("/"), !host.contains("@"), !host.contains(" ") else {
            throw RegistryError.invalidHost(host, reason: "expected host[:port] without scheme, path or user")
        }
        try Self.checkCAFile(options.caFile)
        let plainAllowed = isPlainHTTPAllowed(host)
        var httpsFailure: RegistryError?
        do {
            // With a fallback, one HTTPS attempt: retrying a server that does not speak TLS only
            // delays the plain-HTTP attempt that will work.
            let budget = RetryBudget(policy: plainAllowed ? .never : options.retry)
            let response = try await RetryBudget.$current.withValue(budget) {
                try await send(.GET, "https://\(host)/v2/", scopes: [], authenticate: false)
            }
            return try await learn(from: response, scheme: "https", httpsFailure: nil)
        } catch let error as RegistryError {
            guard plainAllowed, case .connectionFailed = error else { throw error }
            httpsFailure = error
        }
        let response = try await send(.GET, "http://\(host)/v2/", scopes: [], authenticate: false)
        try await learn(from: response, scheme: "http", httpsFailure: httpsFailure)
    }

    /// Records the scheme and challenge from a `/v2/` answer, or throws when it is not a registry.
    private func learn(from response: HTTPClientResponse, scheme: String, httpsFailure: RegistryError?) async throws {
        switch response.status.code {
        case 200:
            await Self.drain(response)
            baseURL = "\(scheme)://\(host)"
            authMode = .anonymous
        case 401:
            await Self.drain(response)
            baseURL = "\(scheme)://\(host)"
            authMode = AuthMode(challenges: AuthChallenge.parse(headers: response.headers["WWW-Authenticate"]))
        default:
            let body = Data(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
            var reason = "not a registry API endpoint (expected 200 or 401)"
            // A TLS port asked in plain HTTP answers 400; the HTTPS failure is the real story.
            if let httpsFailure { reason += "; HTTPS failed first: \(httpsFailure)" }
            throw RegistryError.http(status: Int(response.status.code), method: "GET", host: host, path: "/v2/",
                                     errors: RegistryErrorDetail.parse(body), body: reason)
        }
    }

    /// Fails early, with the path in the message, when the CA file cannot be used; otherwise every
    /// HTTPS request would fail with a generic TLS error.
    static func checkCAFile(_ path: String?) throws {
        guard let path else { return }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw RegistryError.io(path: path, reason: "cannot read the CA file (expected PEM certificates): \(error)")
        }
        guard !certificates.isEmpty else {
            throw RegistryError.io(path: path, reason: "the CA file holds no PEM certificate")
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

    /// Responses up to this size (by `Content-Length`) are read into memory inside `send`, so a
    /// connection that breaks while the body arrives is retried like one that broke earlier.
    static let bufferedBodyLimit = 8 << 20

    /// Sends a request to the registry: adds User-Agent and Authorization (only for the registry's own
    /// origin), re-authenticates once on 401, optionally follows redirects (http/https only, without
    /// Authorization to other origins), and retries under `options.retry`.
    ///
    /// Retried, when the request is replayable (`RequestKind.isReplayable`, or `replayable`): transient
    /// connection failures and the statuses in `RetryPolicy.transientStatuses`, honouring
    /// `Retry-After`. When retrying such a status gives up, `send` throws the `RegistryError.http`
    /// itself (with the attempt count); other statuses are returned for the caller to judge.
    /// Inside `withRetries` the attempts count against that operation's budget.
    ///
    /// Bodies of error responses, and of small responses unless `longTransfer`, arrive already read.
    /// The caller must consume or drop the returned response body. `authenticate: false` sends no
    /// Authorization and returns a 401 as is (the ping learns the challenge from it).
    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: Body? = nil,
              scopes: [String], followRedirects: Bool = false, longTransfer: Bool = false,
              replayable: Bool? = nil, authenticate: Bool = true) async throws -> HTTPClientResponse {
        let budget = RetryBudget.current ?? RetryBudget(policy: options.retry)
        var url = url
        var scopes = scopes
        var attempt = 0
        var reauthenticated = false
        var redirects = 0
        while true {
            attempt += 1
            let kind = RequestKind(method: method, url: url)
            let mayRepeat = replayable ?? kind.isReplayable
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers = headers
            request.headers.replaceOrAdd(name: "User-Agent", value: options.userAgent)
            let ownOrigin = authenticate && isRegistryOrigin(url)
            if ownOrigin, let authorization = try await authorization(scopes: scopes) {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            switch body {
            case let .data(data)?:
                request.body = .bytes(ByteBuffer(data: data))
            case let .file(path, size)?:
                let region = FileRegion(path: path, offset: 0, length: size, progress: UploadProgress.reporter)
                request.body = .stream(region, length: .known(size))
            case let .fileRegion(path, offset, length)?:
                let region = FileRegion(path: path, offset: offset, length: length, progress: UploadProgress.reporter)
                request.body = .stream(region, length: .known(length))
            case nil:
                break
            }
            let deadline: NIODeadline = longTransfer ? .now() + .hours(24) : .now() + .milliseconds(Int64(options.timeout * 1000))

            let response: HTTPClientResponse
            let buffered: ByteBuffer?
            logRequest(request, url: url, attempt: attempt)
            do {
                stats.requests += 1
                (response, buffered) = try await execute(request, deadline: deadline, longTransfer: longTransfer)
                logResponse(response, request: request, url: url)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let (h, path) = Self.display(url)
                switch TransportFailure(error) {
                case .untrustedCertificate:
                    throw RegistryError.untrustedCertificate(host: h, reason: TransportFailure.certificateReason(error))
                case .transient where mayRepeat:
                    if let delay = budget.nextDelay(retryAfter: nil) {
                        try await Task.sleep(for: .seconds(delay))
                        continue
                    }
                default:
                    break
                }
                let note = attempt > 1 ? " (gave up after \(attempt) attempts in \(String(format: "%.1f", budget.elapsed)) s)" : ""
                throw RegistryError.connectionFailed(method: method.rawValue, host: h, path: path, reason: "\(error)\(note)")
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
                                                        reason: "too many redirects, or one to a URL that is not http(s)")
                }
                url = next
                continue
            }
            if RetryPolicy.transientStatuses.contains(code), mayRepeat {
                let errors = RegistryErrorDetail.parse(buffered.map { Data(buffer: $0) } ?? Data())
                let retryAfter = RetryPolicy.retryAfter(response.headers.first(name: "Retry-After"))
                if RetryPolicy.shouldRetry(status: code, kind: kind, replayable: true, errors: errors, attempt: attempt),
                   let delay = budget.nextDelay(retryAfter: retryAfter) {
                    try await Task.sleep(for: .seconds(delay))
                    continue
                }
                throw await failure(response, method, url, attempts: attempt)
            }
            return response
        }
    }

    /// Executes one request; reads the body into memory for error and redirect answers and for
    /// small answers (known `Content-Length` up to `bufferedBodyLimit`) unless `longTransfer`.
    /// - Returns: the response (its body replaced by the read bytes) and those bytes.
    private func execute(_ request: HTTPClientRequest, deadline: NIODeadline,
                         longTransfer: Bool) async throws -> (HTTPClientResponse, ByteBuffer?) {
        let response = try await httpClient.execute(request, deadline: deadline)
        let code = Int(response.status.code)
        let length = response.headers.first(name: "Content-Length").flatMap(Int.init)
        guard request.method != .HEAD,
              code >= 300 || (!longTransfer && length.map { $0 <= Self.bufferedBodyLimit } == true) else {
            return (response, nil)
        }
        var bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: code >= 300 ? 1 << 20 : Self.bufferedBodyLimit)
        } catch is NIOTooManyBytesError {
            // Only an error page can get here (2xx bodies are checked by length); its text is lost.
            bytes = ByteBuffer()
        }
        var copy = response
        copy.body = .bytes(bytes)
        return (copy, bytes)
    }

    /// Builds the error for a response we did not expect, reading (a bounded part of) its body.
    func failure(_ response: HTTPClientResponse, _ method: HTTPMethod, _ url: String, attempts: Int = 1) async -> RegistryError {
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
        return .http(status: code, method: method.rawValue, host: h, path: path, errors: details, body: text,
                     attempts: attempts)
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
    /// Nil unless the result is an http(s) URL with a host: a registry must not steer us to
    /// `file:`, `ftp:` or other schemes.
    static func resolve(_ location: String, against url: String) -> String? {
        guard let base = URL(string: url), let resolved = URL(string: location, relativeTo: base),
              let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = resolved.host, !host.isEmpty else { return nil }
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
