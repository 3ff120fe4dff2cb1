import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// A client for `registry` that retries 3 times with tiny delays, shut down afterwards.
private func withQuickRetryClient<T>(_ registry: TestRegistry, credential: Credential? = nil,
                                     _ body: (RegistryClient) async throws -> T) async throws -> T {
    try await withClient(registry, credential: credential,
                         options: RegistryOptions(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01)), body)
}

@Suite("Token service retries", .enabled(if: TokenServer.isAvailable, "needs python3"))
struct TokenRetryTests {
    /// GET for anonymous access, the OAuth2 POST for an identity token.
    @Test(arguments: ["GET", "POST"])
    func unavailableTokenServiceIsRetried(method: String) async throws {
        var options = TokenServer.Options()
        options.unavailableFirst = 1
        options.refreshTokens = ["refresh-1"]
        try await withTokenServer(options) { tokens in
            try await withTestRegistry(tokenRealm: tokens.realm) { registry in
                let credential: Credential? = method == "POST" ? .identityToken("refresh-1") : nil
                try await withQuickRetryClient(registry, credential: credential) { client in
                    let tags = try await client.tags(repository: "nothing/here")
                    #expect(tags == [])
                }
                let seen = try await tokens.requests()
                #expect(seen.map(\.method) == [method, method])
            }
        }
    }

    @Test func givesUpWithTheStatusAndAttemptCount() async throws {
        var options = TokenServer.Options()
        options.unavailableFirst = 100
        try await withTokenServer(options) { tokens in
            try await withTestRegistry(tokenRealm: tokens.realm) { registry in
                let error = try await withQuickRetryClient(registry) { client in
                    await #expect(throws: RegistryError.self) { try await client.tags(repository: "app") }
                }
                guard case .tokenRequestFailed(_, 503, _)? = error else { Issue.record("unexpected \(String(describing: error))"); return }
                #expect(error?.description.contains("gave up after 3 attempts") == true)
                #expect(error?.description.contains("UNAVAILABLE") == true)
                #expect(try await tokens.requests().count == 3)
            }
        }
    }
}
