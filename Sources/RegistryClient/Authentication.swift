import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// How a registry wants to be authenticated, learnt from its challenge.
enum AuthMode: Sendable, Equatable {
    /// No challenge seen: requests go out anonymously.
    case anonymous
    /// `Basic`: credentials on every request.
    case basic(realm: String?)
    /// `Bearer`: exchange credentials (or nothing) for a token at `realm`.
    case bearer(realm: String, service: String?)
    /// A scheme we do not speak (Negotiate, …).
    case unsupported(scheme: String)

    init(challenges: [AuthChallenge]) {
        // Prefer Bearer: with it we can scope access; fall back to Basic.
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer["realm"], !realm.isEmpty {
            self = .bearer(realm: realm, service: bearer["service"])
        } else if let basic = challenges.first(where: { $0.scheme == "basic" }) {
            self = .basic(realm: basic["realm"])
        } else if let other = challenges.first {
            self = .unsupported(scheme: other.scheme)
        } else {
            self = .anonymous
        }
    }
}

/// A registry token and when it stops being valid (best knowledge: `issued_at` + `expires_in`).
///
/// Its descriptions and mirror never show the token.
struct CachedToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var token: String
    var expires: ContinuousClock.Instant

    /// Seconds of validity left (negative once expired).
    var remaining: Double {
        let d = expires - ContinuousClock.now
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    var description: String { "token(<redacted>, \(Int(remaining)) s left)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["remaining": remaining]) }
}

/// Resource scopes (token.md / scope.md) for repository operations.
enum Scope {
    static func pull(_ repository: String) -> String { "repository:\(repository):pull" }
    static func push(_ repository: String) -> String { "repository:\(repository):pull,push" }

    /// The scope an API request needs, derived from its path, for messages: `/v2/<name>/blobs/…`
    /// read with GET is `repository:<name>:pull`. Nil for paths outside a repository.
    static func forRequest(method: String, path: String) -> String? {
        guard path.hasPrefix("/v2/") else { return nil }
        let rest = path.dropFirst(4)
        // The last marker wins: repository names may themselves contain "blobs" or "manifests".
        let ends = ["/blobs/", "/manifests/", "/tags/", "/referrers/"].compactMap { rest.range(of: $0, options: .backwards)?.lowerBound }
        guard let end = ends.max(), end > rest.startIndex else { return nil }
        let name = rest[..<end]
        switch method {
        case "GET", "HEAD": return pull(String(name))
        case "DELETE": return "repository:\(name):delete"
        default: return push(String(name))
        }
    }
}

extension RegistryClient {
    /// Seconds a cached token must still be valid to be sent with an ordinary request. Requests
    /// reach the registry within this time; longer transfers ask `freshAuthorization` for more.
    static let tokenRenewalMargin: Double = 10

    /// The credential for this registry: `options.credentials` first, then the credential store.
    func resolvedCredential() async throws -> Credential? {
        if let credential = options.credentials[host] { return credential }
        return try await options.credentialStore?.credential(for: host)
    }

    /// The `Authorization` value for a request needing `scopes`, fetching a token when needed.
    func authorization(scopes: [String]) async throws -> String? {
        try await authorization(scopes: scopes, validFor: Self.tokenRenewalMargin)
    }

    /// Makes sure the token for `scopes` stays valid for at least `seconds` more, fetching a new one
    /// otherwise, and returns the `Authorization` value (nil when requests go anonymously).
    ///
    /// Call it before a request that will reach the registry late — the final `PUT` of an upload
    /// that took minutes — so an expiring token is replaced first rather than refused with 401.
    /// When the token service grants shorter lifetimes than asked, the freshest token is returned.
    /// Basic credentials and configured registry tokens do not expire and are returned as they are.
    @discardableResult
    func freshAuthorization(for scopes: [String], validFor seconds: Double) async throws -> String? {
        try await authorization(scopes: scopes, validFor: max(seconds, Self.tokenRenewalMargin))
    }

    private func authorization(scopes: [String], validFor seconds: Double) async throws -> String? {
        let credential = try await resolvedCredential()
        // A ready token is used as is: nothing to exchange.
        if case let .bearer(token)? = credential { return "Bearer \(token)" }
        switch authMode {
        case .anonymous, .unsupported:
            return nil
        case .basic:
            return credential?.basicHeader
        case let .bearer(realm, service):
            let key = Self.tokenKey(scopes)
            if let cached = tokens[key], cached.remaining >= seconds {
                return "Bearer \(cached.token)"
            }
            let fresh = try await fetchToken(realm: realm, service: service, scopes: scopes.sorted(), credential: credential)
            tokens[key] = fresh
            // Used even when already short-lived by our clock (skew): the service just issued it.
            return "Bearer \(fresh.token)"
        }
    }

    /// Tokens are cached per scope set; the client is per registry, so this is per (registry, scopes).
    static func tokenKey(_ scopes: [String]) -> String { Set(scopes).sorted().joined(separator: " ") }

    /// Learns from a 401: records the (possibly new) challenge and forgets tokens for these scopes.
    /// Returns the scopes to use on the retry: ours plus any the challenge names.
    func handleUnauthorized(_ response: HTTPClientResponse, scopes: [String]) -> [String] {
        let challenges = AuthChallenge.parse(headers: response.headers["WWW-Authenticate"])
        if !challenges.isEmpty { authMode = AuthMode(challenges: challenges) }
        tokens[Self.tokenKey(scopes)] = nil
        var merged = scopes
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let wanted = bearer["scope"] {
            // One quoted scope parameter may hold several space-separated scopes.
            for scope in wanted.split(separator: " ").map(String.init) where !merged.contains(scope) {
                merged.append(scope)
            }
            tokens[Self.tokenKey(merged)] = nil
        }
        return merged
    }

    /// The explanation of a 401/403 that survived re-authentication: who we were, what scope the
    /// request needs, and how to log in. Never a secret.
    func unauthorizedReason(status: Int, method: String, path: String) async -> String {
        let scope = Scope.forRequest(method: method, path: path)
        let scopeText = scope.map { " (scope \($0))" } ?? ""
        let login = "run `docker login \(host)` or pass --username/--password-stdin"
        if status == 403 {
            return "access denied\(scopeText): the credentials for \(host) lack this permission; grant it to the account, or \(login) as one that has it"
        }
        switch try? await resolvedCredential() {
        case nil:
            return "authentication required: no credentials configured for \(host) and anonymous access was refused\(scopeText); \(login)"
        case let .basic(username, _)?:
            return "the registry rejected the credentials for user '\(username)'\(scopeText); \(login)"
        case .bearer?:
            return "the registry rejected the configured registry token for \(host)\(scopeText); \(login)"
        case .identityToken?:
            return "the registry rejected the token obtained with the identity token for \(host)\(scopeText); \(login)"
        }
    }
}

/// `dump(client)` and debuggers would otherwise list the token cache.
extension RegistryClient: CustomReflectable {
    public nonisolated var customMirror: Mirror {
        Mirror(self, children: ["host": host], displayStyle: .class)
    }
}
