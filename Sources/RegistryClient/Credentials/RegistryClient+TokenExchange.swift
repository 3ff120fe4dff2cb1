import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The token service's JSON answer (token.md, oauth.md).
struct TokenResponse: Decodable {
    var token: String?
    var access_token: String?
    var expires_in: Int?
    var issued_at: String?

    /// When the token stops being valid, counted from `start` (the moment the request was sent).
    ///
    /// token.md: `expires_in` defaults to 60 s and distribution's client raises shorter values to
    /// 60; `issued_at`, when given, says how much of the lifetime is already gone. A server clock
    /// ahead of ours (issued "in the future") takes nothing off.
    func expiry(start: ContinuousClock.Instant, now: Date = Date()) -> ContinuousClock.Instant {
        let lifetime = Double(max(expires_in ?? 60, 60))
        var used = 0.0
        if let issued_at, let issued = Self.parseTimestamp(issued_at) {
            used = max(0, now.timeIntervalSince(issued))
        }
        return start + .milliseconds(Int64((lifetime - used) * 1000))
    }

    /// RFC 3339, with or without fractional seconds (Go writes up to nine digits, which Foundation's
    /// formatter does not take — precision below a second does not matter here, so it is dropped).
    static func parseTimestamp(_ text: String) -> Date? {
        var s = text.trimmingCharacters(in: .whitespaces)
        if let dot = s.firstIndex(of: ".") {
            let digitsEnd = s[s.index(after: dot)...].firstIndex { !$0.isNumber } ?? s.endIndex
            s.removeSubrange(dot..<digitsEnd)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: s)
    }
}

extension RegistryClient {
    /// How a token request presents the credential.
    private enum TokenGrant {
        /// token.md `GET` with optional `Authorization: Basic`.
        case get(basic: String?, account: String?)
        /// oauth.md `POST` form.
        case post(fields: [(String, String)])
    }

    /// Obtains a token for `scopes` at `realm`.
    ///
    /// Username/password go to the GET flow with Basic (what every token service speaks), falling
    /// back to an OAuth2 password grant when the service answers GET with 404/405. An identity
    /// token goes to the OAuth2 refresh-token grant, falling back to GET when POST is answered
    /// with 404/405 (oauth.md: "refer to token.md for GET"). Without credentials: anonymous GET.
    func fetchToken(realm: String, service: String?, scopes: [String], credential: Credential?) async throws -> CachedToken {
        guard let components = URLComponents(string: realm), let realmHost = components.host,
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw RegistryError.tokenRequestFailed(realm: realm, status: nil, reason: "the registry announced an unusable token realm")
        }
        let realmDisplay = "\(scheme)://\(realmHost)\(components.port.map { ":\($0)" } ?? "")\(components.path)"
        let scopeText = scopes.joined(separator: " ")
        options.logger?.debug("token request to \(realmDisplay) for scope '\(scopeText)' (\(credential.map { _ in "with credentials" } ?? "anonymous"))")
        let service = service ?? ""

        let grants: [TokenGrant]
        switch credential {
        case let .basic(username, password)?:
            let basic = credential?.basicHeader
            grants = [.get(basic: basic, account: username),
                      .post(fields: [("grant_type", "password"), ("username", username), ("password", password)])]
        case let .identityToken(token)?:
            // The `<token>` username is the helper protocol's marker for identity tokens; token
            // services that take identity tokens over GET (ACR) accept it with any username.
            let basic = Credential.basic(username: "<token>", password: token).basicHeader
            grants = [.post(fields: [("grant_type", "refresh_token"), ("refresh_token", token)]),
                      .get(basic: basic, account: nil)]
        case .bearer?, nil:
            grants = [.get(basic: nil, account: nil)]
        }

        if credential != nil {
            // Never send a secret in clear text to a realm that is neither loopback nor allowed.
            let realmAuthority = components.port.map { "\(realmHost):\($0)" } ?? realmHost
            guard scheme == "https" || isPlainHTTPAllowed(realmAuthority) || isPlainHTTPAllowed(realmHost) else {
                throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: nil,
                    reason: "refusing to send credentials over plain HTTP; add the realm host to the insecure hosts")
            }
        }

        var lastStatus: HTTPResponseStatus = .notFound
        var lastBody = Data()
        for (index, grant) in grants.enumerated() {
            var request: HTTPClientRequest
            switch grant {
            case let .get(basic, account):
                var items: [(String, String)] = []
                if !service.isEmpty { items.append(("service", service)) }
                for scope in scopes { items.append(("scope", scope)) }
                // distribution's client names the account so the service can log or check it.
                if let account { items.append(("account", account)) }
                request = HTTPClientRequest(url: Self.appendingQueryItems(realm, items))
                request.method = .GET
                if let basic { request.headers.add(name: "Authorization", value: basic) }
            case let .post(fields):
                var form = fields
                form.append(("service", service))
                form.append(("client_id", options.userAgent))
                if !scopeText.isEmpty { form.append(("scope", scopeText)) }
                request = HTTPClientRequest(url: realm)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                let body = form.map { "\(Self.queryValue($0.0))=\(Self.queryValue($0.1))" }.joined(separator: "&")
                request.body = .bytes(ByteBuffer(string: body))
            }
            request.headers.add(name: "User-Agent", value: options.userAgent)

            var start = ContinuousClock.now
            var attempts = 0
            let response: HTTPClientResponse
            let body: Data
            do {
                // A token request changes nothing (a POST grant only mints a token), so a reset or a
                // 503 from the token service is retried like a registry GET, under `options.retry`.
                (response, body) = try await withRetries("token request to \(realmDisplay)", idempotent: true) {
                    attempts += 1
                    start = ContinuousClock.now
                    stats.requests += 1
                    let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(options.timeout * 1000)))
                    let body = Data(buffer: try await response.body.collect(upTo: 1 << 20))
                    let code = Int(response.status.code)
                    if RetryPolicy.transientStatuses.contains(code) {
                        // Thrown only so that `withRetries` classifies it like a registry answer.
                        let (h, path) = Self.display(realm)
                        throw RegistryError.http(status: code, method: request.method.rawValue, host: h, path: path,
                                                 errors: RegistryErrorDetail.parse(body), body: nil, attempts: attempts)
                    }
                    return (response, body)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch let RegistryError.http(status, _, _, _, errors, _, _) {
                let note = attempts > 1 ? " (gave up after \(attempts) attempts)" : ""
                let detail = errors.isEmpty ? "" : ": " + errors.map(\.description).joined(separator: "; ")
                throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: status,
                    reason: "the token service is unavailable\(detail)\(note); try again later")
            } catch {
                let note = attempts > 1 ? " (gave up after \(attempts) attempts)" : ""
                throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: nil, reason: "cannot reach the token service: \(error)\(note)")
            }
            if response.status == .ok {
                guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: body),
                      let token = decoded.access_token ?? decoded.token, !token.isEmpty else {
                    throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: 200, reason: "the answer holds no token")
                }
                return CachedToken(token: token, expires: decoded.expiry(start: start))
            }
            lastStatus = response.status
            lastBody = body
            // Only "this method is not served here" moves on to the other flow.
            let unsupported = response.status == .notFound || response.status == .methodNotAllowed
            if !unsupported || index == grants.count - 1 { break }
        }

        let who: String
        switch credential {
        case nil: who = "anonymous access"
        case let .basic(username, _)?: who = "the credentials of user '\(username)' for \(host)"
        case .identityToken?: who = "the identity token for \(host)"
        case .bearer?: who = "the registry token for \(host)"
        }
        var reason = lastStatus == .unauthorized || lastStatus == .forbidden
            ? "the token service rejected \(who); run `docker login \(host)` or pass --username/--password-stdin"
            : "unexpected answer"
        let details = RegistryErrorDetail.parse(lastBody)
        if !details.isEmpty { reason += ": " + details.map(\.description).joined(separator: "; ") }
        throw RegistryError.tokenRequestFailed(realm: realmDisplay, status: Int(lastStatus.code), reason: reason)
    }

    /// `url` with `name=value` pairs appended to its query, every value percent-encoded (so `+`,
    /// `:` and spaces in scopes survive Go's query parser).
    static func appendingQueryItems(_ url: String, _ items: [(String, String)]) -> String {
        items.reduce(url) { appendingQuery($0, $1.0, $1.1) }
    }
}
