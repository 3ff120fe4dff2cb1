import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// A token answer and how long the client must consider the token valid.
struct ExpiryCase: CustomTestStringConvertible, Sendable {
    var expiresIn: Int?
    /// Seconds between `issued_at` and now (negative: issued "in the future").
    var issuedAgo: Double?
    var expected: Double
    var testDescription: String { "expires_in \(expiresIn.map(String.init) ?? "absent"), issued \(issuedAgo.map { "\($0) s ago" } ?? "absent") → \(expected) s" }
}

let expiryCases: [ExpiryCase] = [
    .init(expiresIn: nil, issuedAgo: nil, expected: 60),
    .init(expiresIn: 300, issuedAgo: nil, expected: 300),
    .init(expiresIn: 5, issuedAgo: nil, expected: 60),
    .init(expiresIn: 0, issuedAgo: nil, expected: 60),
    .init(expiresIn: -10, issuedAgo: nil, expected: 60),
    .init(expiresIn: 300, issuedAgo: 100, expected: 200),
    .init(expiresIn: nil, issuedAgo: 50, expected: 10),
    .init(expiresIn: 300, issuedAgo: -30, expected: 300),
    .init(expiresIn: 60, issuedAgo: 90, expected: -30),
]

/// WWW-Authenticate values beyond the basic parser table: real-world shapes and abuse.
let moreChallengeCases: [ChallengeCase] = [
    // Unquoted realm URL (seen from some token services).
    .init(header: "Bearer realm=https://auth.test/token,service=reg",
          expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "https://auth.test/token", "service": "reg"])]),
    .init(header: #"Bearer realm="https://a.test/t",service="reg",scope="repository:a:push,pull",error="insufficient_scope""#,
          expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "https://a.test/t", "service": "reg",
                                                                   "scope": "repository:a:push,pull", "error": "insufficient_scope"])]),
    // A scope naming a repository on a host:port (colons inside the value).
    .init(header: #"Bearer realm="r",scope="repository:host:5000/a/b:pull""#,
          expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "r", "scope": "repository:host:5000/a/b:pull"])]),
    // Escaped backslash and quote in a value; tabs as whitespace.
    .init(header: "Basic\trealm=\"a\\\\b \\\"c\\\"\"",
          expected: [AuthChallenge(scheme: "basic", parameters: ["realm": #"a\b "c""#])]),
    // Empty quoted value is a value.
    .init(header: #"Bearer realm="r",service="""#, expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "r", "service": ""])]),
    .init(header: #"bEaReR REALM="r", SeRvIcE="s""#, expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": "r", "service": "s"])]),
]

@Suite("Authentication units")
struct AuthUnitTests {
    @Test(arguments: expiryCases)
    func tokenLifetime(_ c: ExpiryCase) throws {
        let now = Date()
        var issued: String?
        if let ago = c.issuedAgo {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            issued = formatter.string(from: now.addingTimeInterval(-ago))
        }
        let response = TokenResponse(token: "t", access_token: nil, expires_in: c.expiresIn, issued_at: issued)
        let start = ContinuousClock.now
        let seconds = (response.expiry(start: start, now: now) - start) / .seconds(1)
        #expect(abs(seconds - c.expected) < 1.5)
    }

    @Test(arguments: ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456789Z", "2024-05-01T12:00:00+02:00",
                      "2024-05-01T10:00:00.5+00:00"])
    func issuedAtFormats(_ text: String) throws {
        let date = try #require(TokenResponse.parseTimestamp(text))
        #expect(abs(date.timeIntervalSince1970 - 1_714_557_600) < 1)
    }

    @Test func issuedAtGarbageIsIgnored() {
        #expect(TokenResponse.parseTimestamp("yesterday") == nil)
        let response = TokenResponse(token: "t", access_token: nil, expires_in: 120, issued_at: "yesterday")
        let start = ContinuousClock.now
        #expect(response.expiry(start: start) - start == .seconds(120))
    }

    @Test(arguments: moreChallengeCases)
    func parsesRealWorldChallenges(_ c: ChallengeCase) {
        #expect(AuthChallenge.parse(c.header) == c.expected)
    }

    @Test func severalHeaderFields() {
        let parsed = AuthChallenge.parse(headers: [#"Basic realm="b""#, #"Bearer realm="https://t/token",service="s""#])
        #expect(parsed.map(\.scheme) == ["basic", "bearer"])
        #expect(AuthMode(challenges: parsed) == .bearer(realm: "https://t/token", service: "s"))
    }

    @Test(arguments: [
        ("GET", "/v2/a/b/manifests/v1", "repository:a/b:pull"),
        ("HEAD", "/v2/a/blobs/blobs/sha256:00", "repository:a/blobs:pull"),
        ("POST", "/v2/a/b/blobs/uploads/", "repository:a/b:pull,push"),
        ("PUT", "/v2/x/manifests/tag/manifests/v1", "repository:x/manifests/tag:pull,push"),
        ("DELETE", "/v2/a/manifests/sha256:00", "repository:a:delete"),
        ("GET", "/v2/", nil),
        ("GET", "/v2/_catalog", nil),
    ] as [(String, String, String?)])
    func scopeOfARequest(_ c: (method: String, path: String, expected: String?)) {
        #expect(Scope.forRequest(method: c.method, path: c.path) == c.expected)
    }

    /// The existing rule, kept: Basic credentials never travel over plain HTTP to a foreign realm.
    @Test(arguments: [Credential.basic(username: "u", password: "plain-pw"), .identityToken("plain-refresh")])
    func noSecretsToPlainHTTPRealm(_ credential: Credential) async throws {
        let client = RegistryClient(host: "registry.example.test")
        let error = await #expect(throws: RegistryError.self) {
            _ = try await client.fetchToken(realm: "http://auth.example.test/token", service: "s",
                                            scopes: ["repository:a:pull"], credential: credential)
        }
        #expect(error?.description.contains("refusing to send credentials over plain HTTP") == true)
        #expect(await client.stats.requests == 0)
        try await client.shutdown()
    }

    @Test func tokenCacheKeyIgnoresOrderAndDuplicates() {
        #expect(RegistryClient.tokenKey(["b", "a", "b"]) == RegistryClient.tokenKey(["a", "b"]))
    }
}
