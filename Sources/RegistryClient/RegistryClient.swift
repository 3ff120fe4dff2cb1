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
    static let caFileHint = "give --ca-file a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)"

    static func checkCAFile(_ path: String?) throws {
        guard let path else { return }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            // NIOSSL's error is a bare case name (failedToLoadCertificate); say what is wrong instead.
            var isDirectory: ObjCBool = false
            let what = !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) ? "no such file"
                : isDirectory.boolValue ? "it is a directory"
                : "it holds no readable PEM certificate"
            throw RegistryError.io(path: path, reason: "cannot read the CA file: \(what); \(Self.caFileHint)")
        }
        guard !certificates.isEmpty else {
            throw RegistryError.io(path: path, reason: "the CA file holds no PEM certificate; \(Self.caFileHint)")
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
}
