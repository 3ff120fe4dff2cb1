import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// Every rendering of a value a log line, error report or debugger could show.
func renderings(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return [String(describing: value), String(reflecting: value), dumped, "\(value)"]
}

@Suite("Secrets never rendered", .enabled(if: TokenServer.canSign, "needs python3-cryptography"))
struct AuthRedactionTests {
    @Test func noSecretInAnyRendering() async throws {
        let password = "pw-SECRET-1:x", identity = "identity-SECRET-2", registryToken = "regtok-SECRET-3"
        let helperSecret = "helper-SECRET-4", envPassword = "env-SECRET-5"
        var secrets = [password, identity, registryToken, helperSecret, envPassword,
                       authField("frank:" + password)]
        var rendered: [String] = []

        var options = TokenServer.Options()
        options.users = ["frank": password]
        options.refreshTokens = [identity]
        try await withTokenRegistry(options) { tokens, registry in
        try await withCredentialFixture { f in
            try f.installHelper(found: ["helper.test": ("<token>", helperSecret)], failing: ["fail.test": helperSecret])
            try f.writeConfig([
                "auths": [registry.host: ["auth": authField("frank:" + password)], "reg.test": ["registrytoken": registryToken],
                          "id.test": ["identitytoken": identity]],
                "credHelpers": ["helper.test": "wintest", "fail.test": "wintest"],
            ])
            let store = try f.store([CredentialStore.usernameVariable: "ci", CredentialStore.passwordVariable: envPassword],
                                    environmentHosts: ["env.test"])
            for host in ["helper.test", "reg.test", "id.test", "env.test", registry.host] {
                rendered += renderings(try #require(try await store.credential(for: host)))
            }
            rendered += renderings(store)
            let registryOptions = RegistryOptions(credentials: ["x.test": .basic(username: "frank", password: password)],
                                                  credentialStore: store)
            rendered += renderings(registryOptions)

            // A real exchange, then the client and its token cache.
            let client = RegistryClient(host: registry.host, options: registryOptions)
            try await TestImage(family: .oci, seed: 81).push(to: client, repository: "sec/app", tag: "v1")
            let issued = await client.tokens.values.map(\.token)
            #expect(!issued.isEmpty)
            secrets += issued
            rendered += renderings(client)
            rendered += renderings(await client.tokens)
            rendered += await client.tokens.values.flatMap { renderings($0) }
            try await client.shutdown()

            // Errors: helper failure, token service refusal, registry refusal.
            do { _ = try await store.credential(for: "fail.test") } catch { rendered += renderings(error) }
            let wrong = RegistryClient(host: registry.host, options: RegistryOptions(
                credentials: [registry.host: .basic(username: "frank", password: password + "-wrong")]))
            do { _ = try await wrong.manifestExists(repository: "sec/app", reference: "v1") } catch { rendered += renderings(error) }
            try await wrong.shutdown()
            let withRegistryToken = RegistryClient(host: registry.host, options: RegistryOptions(
                credentials: [registry.host: .bearer(token: registryToken)]))
            do { _ = try await withRegistryToken.manifest(repository: "sec/app", reference: "v1") } catch { rendered += renderings(error) }
            try await withRegistryToken.shutdown()
            #expect(try await tokens.requests().count >= 2)
        }
        }

        // The errors above really happened (three of them, several renderings each) …
        #expect(rendered.filter { $0.contains("docker-credential-wintest") }.count >= 3)
        #expect(rendered.contains { $0.contains("token service rejected") })
        #expect(rendered.contains { $0.contains("rejected the configured registry token") })
        // … and nothing anywhere shows a secret.
        for secret in secrets {
            #expect(!rendered.contains { $0.contains(secret) }, "secret \(secret.prefix(6))… rendered")
        }
    }
}
