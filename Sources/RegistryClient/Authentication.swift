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

/// A registry token and when to stop using it.
struct CachedToken: Sendable {
    var token: String
    var expires: ContinuousClock.Instant
}

/// Resource scopes (token.md / scope.md) for repository operations.
enum Scope {
    static func pull(_ repository: String) -> String { "repository:\(repository):pull" }
    static func push(_ repository: String) -> String { "repository:\(repository):pull,push" }
}

extension RegistryClient {
    /// The `Authorization` value for a request needing `scopes`, fetching a token when needed.
    func authorization(scopes: [String]) async throws -> String? {
        let credential = options.credentials[host]
        // A ready token is used as is: nothing to exchange.
        if case let .bearer(token)? = credential { return "Bearer \(token)" }
        switch authMode {
        case .anonymous, .unsupported:
            return nil
        case .basic:
            return credential?.basicHeader
        case let .bearer(realm, service):
            let key = scopes.sorted().joined(separator: " ")
            if let cached = tokens[key], cached.expires > ContinuousClock.now {
                return "Bearer \(cached.token)"
            }
            let fresh = try await fetchToken(realm: realm, service: service, scopes: scopes.sorted())
            tokens[key] = fresh
            return "Bearer \(fresh.token)"
        }
    }

    /// Learns from a 401: records the (possibly new) challenge and forgets tokens for these scopes.
    /// Returns the scopes to use on the retry: ours plus any the challenge names.
    func handleUnauthorized(_ response: HTTPClientResponse, scopes: [String]) -> [String] {
        let challenges = AuthChallenge.parse(headers: response.headers["WWW-Authenticate"])
        if !challenges.isEmpty { authMode = AuthMode(challenges: challenges) }
        tokens[scopes.sorted().joined(separator: " ")] = nil
        var merged = scopes
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let wanted = bearer["scope"] {
            // One quoted scope parameter may hold several space-separated scopes.
            for scope in wanted.split(separator: " ").map(String.init) where !merged.contains(scope) {
                merged.append(scope)
            }
        }
        return merged
    }

    /// GET <realm>?service=…&scope=…&scope=… (token.md), with Basic credentials when we have them.
    private func fetchToken(realm: String, service: String?, scopes: [String]) async throws -> CachedToken {
        guard var components = URLComponents(string: realm), let realmHost = components.host,
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw RegistryError.tokenRequestFailed(realm: realm, status: nil, reason: "the registry announced an unusable token realm")
        }
        var items = components.queryItems ?? []
        if let service { items.append(URLQueryItem(name: "service", value: service)) }
        for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
        components.queryItems = items
        // URLComponents leaves ':' '/' and '+' alone in queries; Go servers read '+' as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else {
            throw RegistryError.tokenRequestFailed(realm: realm, status: nil, reason: "cannot build the token URL")
        }
        let realmDisplay = "\(scheme)://\(realmHost)\(components.path)"

        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: options.userAgent)
        if let basic = options.credentials[host]?.basicHeader {
            // Never send the password in clear text to a non-local realm.
            let realmAuthority = components.port.map { "\(realmHost):\($0)" } ?? realmHost
            guard scheme == "https" || isPlainHTTPAllowed(realmAuthority) || isPlainHTTPAllowed(realmHost) else {
                throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: nil,
                    reason: "refusing to send credentials over plain HTTP; add the realm host to the insecure hosts")
            }
            request.headers.add(name: "Authorization", value: basic)
        }

        let response: HTTPClientResponse
        do {
            stats.requests += 1
            response = try await httpClient.execute(request, timeout: .milliseconds(Int64(options.timeout * 1000)))
        } catch {
            throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: nil, reason: "\(error)")
        }
        let body = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            let who = options.credentials[host] == nil ? "anonymous access" : "the configured credentials for \(host)"
            var reason = response.status == .unauthorized || response.status == .forbidden
                ? "the token service rejected \(who)" : "unexpected answer"
            let details = RegistryErrorDetail.parse(body)
            if !details.isEmpty { reason += ": " + details.map(\.description).joined(separator: "; ") }
            throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: Int(response.status.code), reason: reason)
        }
        struct TokenResponse: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: body),
              let token = decoded.access_token ?? decoded.token, !token.isEmpty else {
            throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: 200, reason: "the answer holds no token")
        }
        // token.md: default 60 s; distribution clamps shorter lifetimes to 60. Renew 10 s early so a
        // token does not expire between our check and the registry's.
        let lifetime = max(decoded.expires_in ?? 60, 60)
        return CachedToken(token: token, expires: .now + .seconds(lifetime - 10))
    }
}
