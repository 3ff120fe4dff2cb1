import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Basic authentication (htpasswd)")
struct AuthTests {
    static let users = ["alice": "correct-horse-battery"]

    @Test func basicAuthWithRightAndWrongCredentials() async throws {
        try await withTestRegistry(users: Self.users) { registry in
            // Right password: ping learns Basic, requests carry it.
            let good = RegistryClient(host: registry.host, options: RegistryOptions(
                credentials: [registry.host: .basic(username: "alice", password: "correct-horse-battery")]))
            let image = TestImage(family: .oci, seed: 41)
            try await image.push(to: good, repository: "private/app", tag: "v1")
            #expect(await good.authMode == .basic(realm: "basic-realm"))
            #expect(try await good.manifest(repository: "private/app", reference: "v1").bytes == image.manifest)
            try await good.shutdown()

            // Wrong password: a clear error naming the user, never the password.
            let secret = "wrong-password-XYZ"
            let bad = RegistryClient(host: registry.host, options: RegistryOptions(
                credentials: [registry.host: .basic(username: "alice", password: secret)]))
            do {
                _ = try await bad.blobExists(repository: "private/app", digest: sha256(image.layer))
                Issue.record("wrong password accepted")
            } catch let error as RegistryError {
                guard case let .unauthorized(status, _, _, _, reason, _) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(status == 401)
                #expect(reason.contains("alice"))
                #expect(!error.description.contains(secret))
                #expect(!String(reflecting: error).contains(secret))
            }
            try await bad.shutdown()

            // No credentials at all.
            let anonymous = RegistryClient(host: registry.host)
            do {
                _ = try await anonymous.manifest(repository: "private/app", reference: "v1")
                Issue.record("anonymous access accepted")
            } catch let error as RegistryError {
                #expect(error.status == 401)
                #expect(error.description.contains("no credentials configured for \(registry.host)"))
                #expect(error.registryCodes == ["UNAUTHORIZED"])
            }
            try await anonymous.shutdown()
        }
    }

    @Test(.enabled(if: TokenServer.isAvailable, "needs python3 for the token service"))
    func bearerTokenFlowSendsScopesAndCachesTokens() async throws {
        try await withTokenServer { tokens in
        try await withTestRegistry(tokenRealm: tokens.realm) { registry in
            let password = "pw-for-token-service"
            let client = RegistryClient(host: registry.host, options: RegistryOptions(
                credentials: [registry.host: .basic(username: "bob", password: password)]))
            let image = TestImage(family: .oci, seed: 61)
            try await image.push(to: client, repository: "team/app", tag: "v1")
            #expect(await client.authMode == .bearer(realm: tokens.realm, service: "test-registry"))
            #expect(try await client.manifest(repository: "team/app", reference: "v1").bytes == image.manifest)
            #expect(try await client.mountBlob(repository: "team/other", digest: sha256(image.layer), from: "team/app"))

            let seen = try await tokens.requests()
            #expect(seen.allSatisfy { $0.values("service") == ["test-registry"] })
            // Basic credentials go to the realm (that is the protocol), base64(user:password).
            let basic = "Basic " + Data("bob:\(password)".utf8).base64EncodedString()
            #expect(seen.allSatisfy { $0.authorization == basic })
            let scopeSets = seen.map { $0.values("scope") }
            // Push scope fetched once and reused for two blobs and the manifest (cached until expiry).
            #expect(scopeSets.filter { $0 == ["repository:team/app:pull,push"] }.count == 1)
            #expect(scopeSets.contains(["repository:team/app:pull"]))
            // A mount asks for both scopes, as separate scope parameters.
            #expect(scopeSets.contains(["repository:team/app:pull", "repository:team/other:pull,push"]))
            try await client.shutdown()

            // Anonymous clients ask for tokens without any Authorization.
            let anonymous = RegistryClient(host: registry.host)
            _ = try await anonymous.manifestExists(repository: "team/app", reference: "v1")
            try await anonymous.shutdown()
            let last = try #require(try await tokens.requests().last)
            #expect(last.authorization == nil)
            #expect(last.values("scope") == ["repository:team/app:pull"])
        }
        }
    }
}
