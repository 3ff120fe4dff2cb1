import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

/// Runs `body` against a registry that really verifies the tokens of a signing token service.
func withTokenRegistry<T>(_ options: TokenServer.Options = TokenServer.Options(),
                          _ body: (TokenServer, TestRegistry) async throws -> T) async throws -> T {
    var options = options
    options.signing = true
    return try await withTokenServer(options) { tokens in
        try await withTestRegistry(tokenRealm: tokens.realm, tokenTrust: tokens.trust) { registry in
            try await body(tokens, registry)
        }
    }
}

/// Runs `body` with a client for `registry` and shuts it down.
@discardableResult
func withClient<T>(_ registry: TestRegistry, credential: Credential? = nil, store: CredentialStore? = nil,
                   options base: RegistryOptions = RegistryOptions(),
                   _ body: (RegistryClient) async throws -> T) async throws -> T {
    var options = base
    if let store { options.credentialStore = store }
    if let credential { options.credentials[registry.host] = credential }
    let client = RegistryClient(host: registry.host, options: options)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

@Suite("Token authentication against a verifying registry", .enabled(if: TokenServer.canSign, "needs python3-cryptography"))
struct AuthTokenTests {
    @Test func basicCredentialsFromDockerConfigGetScopedTokens() async throws {
        var options = TokenServer.Options()
        options.users = ["carol": "pw:with:colon"]
        options.anonymous = false
        try await withTokenRegistry(options) { tokens, registry in
        try await withCredentialFixture { f in
            try f.writeConfig(["auths": ["https://\(registry.host)/v1/": ["auth": authField("carol:pw:with:colon")]]])
            try await withClient(registry, store: try f.store()) { client in
                let image = TestImage(family: .oci, seed: 71)
                try await image.push(to: client, repository: "team/app", tag: "v1")
                #expect(try await client.manifest(repository: "team/app", reference: "v1").bytes == image.manifest)
            }
            let seen = try await tokens.requests()
            #expect(!seen.isEmpty)
            #expect(seen.allSatisfy { $0.method == "GET" && $0.values("service") == ["test-registry"] })
            #expect(seen.allSatisfy { $0.values("account") == ["carol"] })
            #expect(seen.allSatisfy { $0.authorization == "Basic " + authField("carol:pw:with:colon") })
            #expect(seen.contains { $0.values("scope") == ["repository:team/app:pull,push"] })
        }
        }
    }

    @Test func identityTokenUsesOAuth2RefreshGrant() async throws {
        var options = TokenServer.Options()
        options.refreshTokens = ["refresh-abc"]
        options.anonymous = false
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry, credential: .identityToken("refresh-abc")) { client in
                try await TestImage(family: .oci, seed: 72).push(to: client, repository: "oauth/app", tag: "v1")
            }
            let seen = try await tokens.requests()
            #expect(!seen.isEmpty)
            #expect(seen.allSatisfy { $0.method == "POST" && $0.authorization == nil })
            let first = try #require(seen.first)
            #expect(first.form["grant_type"] == "refresh_token")
            #expect(first.form["refresh_token"] == "refresh-abc")
            #expect(first.form["service"] == "test-registry")
            #expect(first.form["client_id"] == "winimg")
            #expect(seen.contains { $0.form["scope"] == "repository:oauth/app:pull,push" })
        }
    }

    @Test func oauthPost404FallsBackToGet() async throws {
        var options = TokenServer.Options()
        options.refreshTokens = ["refresh-def"]
        options.postStatus = 404
        options.anonymous = false
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry, credential: .identityToken("refresh-def")) { client in
                _ = try await client.manifestExists(repository: "fb/app", reference: "v1")
            }
            let seen = try await tokens.requests()
            #expect(seen.map(\.method) == ["POST", "GET"])
            #expect(seen.last?.authorization == "Basic " + authField("<token>:refresh-def"))
        }
    }

    @Test func get405FallsBackToPasswordGrant() async throws {
        var options = TokenServer.Options()
        options.users = ["dave": "dave-pw"]
        options.getStatus = 405
        options.anonymous = false
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry, credential: .basic(username: "dave", password: "dave-pw")) { client in
                _ = try await client.manifestExists(repository: "pg/app", reference: "v1")
            }
            let seen = try await tokens.requests()
            #expect(seen.map(\.method) == ["GET", "POST"])
            #expect(seen.last?.form["grant_type"] == "password")
            #expect(seen.last?.form["username"] == "dave")
            #expect(seen.last?.form["scope"] == "repository:pg/app:pull")
        }
    }

    @Test(arguments: ["token", "access_token", "both"])
    func tokenFieldVariants(_ field: String) async throws {
        var options = TokenServer.Options()
        options.field = field
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry) { client in
                // A verifying registry answers 404 (not 401) only when the token was accepted.
                let found = try await client.manifestExists(repository: "f/app", reference: "v1")
                #expect(found == nil)
            }
            #expect(try await tokens.requests().count == 1)
        }
    }

    @Test func expiredTokenIsReplacedOnceOn401() async throws {
        var options = TokenServer.Options()
        options.expiredTokens = 1
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry) { client in
                let found = try await client.manifestExists(repository: "exp/app", reference: "v1")
                #expect(found == nil)
            }
            #expect(try await tokens.requests().count == 2)
        }
    }

    @Test func persistent401SaysHowToLogIn() async throws {
        var options = TokenServer.Options()
        options.alwaysExpired = true
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry) { client in
                let error = await #expect(throws: RegistryError.self) {
                    _ = try await client.manifest(repository: "deny/app", reference: "v1")
                }
                let text = try #require(error).description
                #expect(error?.status == 401)
                #expect(text.contains("docker login \(registry.host)"))
                #expect(text.contains("--password-stdin"))
                #expect(text.contains("scope repository:deny/app:pull"))
            }
            // One token, one re-authentication, then give up.
            #expect(try await tokens.requests().count == 2)
        }
    }

    @Test func rejectedAtTokenServiceNamesUserNotPassword() async throws {
        var options = TokenServer.Options()
        options.users = ["erin": "right-pw"]
        try await withTokenRegistry(options) { _, registry in
            try await withClient(registry, credential: .basic(username: "erin", password: "wrong-pw-123")) { client in
                let error = await #expect(throws: RegistryError.self) {
                    _ = try await client.manifestExists(repository: "r/app", reference: "v1")
                }
                guard case let .tokenRequestFailed(_, status, reason)? = error else {
                    Issue.record("unexpected \(String(describing: error))")
                    return
                }
                #expect(status == 401)
                #expect(reason.contains("'erin'"))
                #expect(reason.contains("docker login"))
                #expect(!String(reflecting: error!).contains("wrong-pw-123"))
            }
        }
    }

    @Test func registryTokenIsSentWithoutExchange() async throws {
        try await withTokenRegistry { tokens, registry in
            let token = try await withClient(registry) { client in
                try await client.ping()
                return try await client.fetchToken(realm: tokens.realm, service: "test-registry",
                                                   scopes: ["repository:rt/app:pull"], credential: nil).token
            }
            try await withCredentialFixture { f in
                try f.writeConfig(["auths": [registry.host: ["registrytoken": token]]])
                try await withClient(registry, store: try f.store()) { client in
                    let found = try await client.manifestExists(repository: "rt/app", reference: "v1")
                #expect(found == nil)
                }
            }
            #expect(try await tokens.requests().count == 1)
        }
    }

    /// `issued_at` says the token is 47 s into its 60 s life, leaving 13 s: reused at once, renewed
    /// once fewer than 10 s remain — and `freshAuthorization` renews on demand.
    @Test func tokenExpiryFromIssuedAtForcesRenewal() async throws {
        var options = TokenServer.Options()
        options.expiresIn = nil
        options.issuedAtAge = 47
        try await withTokenRegistry(options) { tokens, registry in
            try await withClient(registry) { client in
                let scopes = [Scope.pull("ex/app")]
                let found = try await client.manifestExists(repository: "ex/app", reference: "v1")
                #expect(found == nil)
                let afterFirst = try await tokens.requests().count
                #expect(afterFirst == 1)
                try await client.freshAuthorization(for: scopes, validFor: 5)
                #expect(try await tokens.requests().count == 1)
                try await Task.sleep(for: .milliseconds(3500))
                let foundAgain = try await client.manifestExists(repository: "ex/app", reference: "v1")
                #expect(foundAgain == nil)
                #expect(try await tokens.requests().count == 2)
                // Nothing the service grants lives 120 s: a new token each time, still returned.
                let header = try await client.freshAuthorization(for: scopes, validFor: 120)
                #expect(header?.hasPrefix("Bearer ") == true)
                #expect(try await tokens.requests().count == 3)
            }
        }
    }
}
