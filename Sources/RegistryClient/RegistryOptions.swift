import Foundation
import Logging

/// Credentials for one registry host.
///
/// `description` never shows secrets, so a credential can be logged or end up in an error safely.
public enum Credential: Sendable, Equatable, CustomStringConvertible {
    /// Username and password (or personal access token); sent as Basic to Basic registries and to
    /// the token service of Bearer registries.
    case basic(username: String, password: String)
    /// A ready registry token, sent as `Authorization: Bearer` without a token exchange.
    case bearer(token: String)
    /// An OAuth2 refresh token (docker config `identitytoken`, or a helper's `<token>` username),
    /// exchanged at the token service for access tokens.
    case identityToken(String)

    public var description: String {
        switch self {
        case let .basic(username, _): return "basic(username: \(username), password: <redacted>)"
        case .bearer: return "bearer(token: <redacted>)"
        case .identityToken: return "identityToken(<redacted>)"
        }
    }

    /// `Basic base64(user:pass)`, or nil for bearer credentials.
    var basicHeader: String? {
        guard case let .basic(username, password) = self else { return nil }
        return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// Settings shared by all registry clients of one run.
public struct RegistryOptions: Sendable {
    /// `host[:port]` values that may be reached over plain HTTP (after HTTPS fails). Loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) are always allowed.
    public var insecureHosts: Set<String>
    /// Credentials by registry `host[:port]` (the API host, e.g. `registry-1.docker.io`).
    public var credentials: [String: Credential]
    /// Sent as `User-Agent` on every request.
    public var userAgent: String
    /// Seconds allowed for a metadata request (ping, HEAD, manifests, tokens). Blob transfers are not
    /// cut off by total time but by this much silence on the connection (read timeout), so large
    /// layers on slow links still finish.
    public var timeout: Double
    /// Bytes per `PATCH` for chunked blob uploads. `nil` (the default) uploads each blob in one
    /// streamed `PUT` and switches a registry to 8 MiB chunks only
    /// after it answers 413. Raised to the registry's `OCI-Chunk-Min-Length` when that is larger.
    /// ECR needs at least 5 MiB per chunk, GHCR at most 4 MiB.
    public var chunkSize: Int?
    /// Consulted for hosts without an entry in `credentials`: docker config, credential helpers,
    /// CI environment variables. Nil means only `credentials` are used.
    public var credentialStore: CredentialStore?
    /// A PEM file of extra CA certificates trusted for HTTPS, on top of the system trust store
    /// (for registries with a private or self-signed CA). Read when the HTTP client is created.
    public var caFile: String?
    /// When and how long transient failures are retried.
    public var retry: RetryPolicy
    /// Receives request logs at debug/trace level (never credentials); nil logs nothing.
    public var logger: Logger?

    public init(insecureHosts: Set<String> = [], credentials: [String: Credential] = [:],
                userAgent: String = "winimg", timeout: Double = 60, chunkSize: Int? = nil,
                credentialStore: CredentialStore? = nil, caFile: String? = nil, retry: RetryPolicy = RetryPolicy(),
                logger: Logger? = nil) {
        self.insecureHosts = insecureHosts
        self.credentials = credentials
        self.userAgent = userAgent
        self.timeout = timeout
        self.chunkSize = chunkSize
        self.credentialStore = credentialStore
        self.caFile = caFile
        self.retry = retry
        self.logger = logger
    }
}

/// Counters of one client's traffic, for summaries and tests.
public struct TransferStats: Sendable, Codable, Equatable {
    /// HTTP requests sent, including token requests, retries and redirects.
    public var requests: Int = 0
    /// Blob and manifest body bytes sent.
    public var bytesUploaded: Int64 = 0
    /// Blob and manifest body bytes received.
    public var bytesDownloaded: Int64 = 0
    /// Blobs `blobExists` found already present (so the caller skips them).
    public var blobsSkipped: Int = 0
    /// Blobs cross-mounted from another repository.
    public var blobsMounted: Int = 0
    /// Blobs uploaded.
    public var blobsUploaded: Int = 0
    /// Manifests and indexes pushed.
    public var manifestsPushed: Int = 0

    public init() {}
}
