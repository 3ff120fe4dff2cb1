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
}
