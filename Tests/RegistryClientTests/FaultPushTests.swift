import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

/// One way of breaking a push, and how many faults it must have caused (so a rule that never
/// matched fails the test instead of passing vacuously).
struct FaultScenario: Sendable, CustomTestStringConvertible {
    var name: String
    var rules: [FaultProxy.Rule]
    var faults: Int
    var timeout: Double = 30
    var testDescription: String { name }

    static let uploadPut = "/blobs/uploads/.+"
    static let indexPut = "/manifests/v1$"

    static let all: [FaultScenario] = [
        FaultScenario(name: "reset mid request body (blob PUT)",
                      rules: [.init("PUT", uploadPut, on: 1...1, .resetRequest(afterBytes: 256 << 10))], faults: 1),
        FaultScenario(name: "reset mid response body (manifest GET)",
                      rules: [.init("GET", "/manifests/v1$", on: 1...1, .resetResponse(afterBytes: 100))], faults: 1),
        FaultScenario(name: "lost response (manifest PUT)",
                      rules: [.init("PUT", "/manifests/sha256:", on: 1...1, .dropResponse)], faults: 1),
        FaultScenario(name: "503 twice (upload POST)",
                      rules: [.init("POST", "/blobs/uploads/$", on: 1...2, .status(503))], faults: 2),
        FaultScenario(name: "502 (second blob PUT)",
                      rules: [.init("PUT", uploadPut, on: 2...2, .status(502))], faults: 1),
        FaultScenario(name: "500 (blob HEAD)",
                      rules: [.init("HEAD", "/blobs/sha256:", on: 1...1, .status(500, code: "UNKNOWN"))], faults: 1),
        FaultScenario(name: "504 (ping)",
                      rules: [.init("GET", "^/v2/$", on: 1...1, .status(504))], faults: 1),
        FaultScenario(name: "429 with Retry-After: 1 (manifest PUT)",
                      rules: [.init("PUT", "/manifests/sha256:", on: 2...2,
                                    .status(429, code: "TOOMANYREQUESTS", retryAfter: "1"))], faults: 1),
        FaultScenario(name: "answer slower than the timeout (index PUT)",
                      rules: [.init("PUT", indexPut, on: 1...1, .delay(seconds: 2))], faults: 1, timeout: 1),
        FaultScenario(name: "mix of all", rules: [
            .init("GET", "^/v2/$", on: 1...1, .status(503)),
            .init("HEAD", "/blobs/sha256:", on: 2...2, .dropResponse),
            .init("POST", "/blobs/uploads/$", on: 3...3, .status(500, code: "UNKNOWN")),
            .init("PUT", uploadPut, on: 1...1, .resetRequest(afterBytes: 100_000)),
            .init("PUT", uploadPut, on: 4...4, .status(503, retryAfter: "0")),
            .init("PUT", "/manifests/sha256:", on: 1...1, .dropResponse),
            .init("PUT", indexPut, on: 1...1, .status(502)),
            .init("GET", "/manifests/v1$", on: 1...1, .resetResponse(afterBytes: 10)),
        ], faults: 8),
    ]
}

@Suite("Pushing through a faulty proxy")
struct FaultPushTests {
    @Test(arguments: FaultScenario.all)
    func pushSurvives(_ scenario: FaultScenario) async throws {
        try await withTempDir { dir in
            try await withProxiedClient(rules: scenario.rules, timeout: scenario.timeout) { client, proxy, registry in
                let image = MultiBlobImage.shared
                let destination = RegistryRepository(client: client, repository: "fault/app")
                let digest = try await image.push(to: destination, tag: "v1", dir: dir)
                #expect(digest == sha256(image.index))
                // Read back through the proxy as well (some scenarios break this GET).
                #expect(try await client.manifest(repository: "fault/app", reference: "v1").bytes == image.index)

                #expect(proxy.requests.filter { $0.fault != nil }.count == scenario.faults)
                try await image.verify(registry: registry, repository: "fault/app", tag: "v1")
            }
        }
    }

    @Test func persistent503OnTheIndexFailsAndLeavesNoTag() async throws {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05, maxElapsed: 20)
        try await withTempDir { dir in
            try await withProxiedClient(rules: [.init("PUT", FaultScenario.indexPut, on: FaultProxy.Rule.always, .status(503))],
                                        policy: policy) { client, proxy, registry in
                let destination = RegistryRepository(client: client, repository: "fault/app")
                do {
                    try await MultiBlobImage.shared.push(to: destination, tag: "v1", dir: dir)
                    Issue.record("push succeeded through a persistent 503")
                } catch let error as RegistryError {
                    guard case let .http(status, method, host, path, errors, _, attempts) = error else {
                        Issue.record("unexpected error \(error)")
                        return
                    }
                    #expect(status == 503 && method == "PUT" && host == proxy.host && path == "/v2/fault/app/manifests/v1")
                    #expect(attempts == 4)
                    #expect(errors.map(\.code) == ["UNAVAILABLE"])
                    #expect(error.description.contains("gave up after 4 attempts"))
                }
                #expect(proxy.count("PUT", FaultScenario.indexPut) == 4)
                let direct = RegistryClient(host: registry.host)
                #expect(try await direct.manifestExists(repository: "fault/app", reference: "v1") == nil)
                try await direct.shutdown()
            }
        }
    }

    @Test func persistent503OnABlobFailsBeforeAnyManifest() async throws {
        try await withTempDir { dir in
            try await withProxiedClient(rules: [.init("PUT", FaultScenario.uploadPut, on: 2...Int.max, .status(503))]) { client, proxy, registry in
                let destination = RegistryRepository(client: client, repository: "fault/app")
                let error = await #expect(throws: RegistryError.self) {
                    try await MultiBlobImage.shared.push(to: destination, tag: "v1", dir: dir)
                }
                #expect(error?.status == 503)
                #expect(error?.description.contains("PUT \(proxy.host)/v2/fault/app/blobs/uploads/") == true)
                // The upload location's query (_state, digest) never shows in the message.
                #expect(error?.description.contains("_state") == false)
                // The first blob's PUT, then the second blob's first try and its restarts in new
                // sessions (upload PUTs are recovered by the upload loop, not replayed by `send`).
                #expect(proxy.count("PUT", FaultScenario.uploadPut) == 2 + RegistryClient.maxUploadRecoveries)
                #expect(proxy.count("PUT", "/manifests/") == 0)
                let direct = RegistryClient(host: registry.host)
                #expect(try await direct.manifestExists(repository: "fault/app", reference: "v1") == nil)
                try await direct.shutdown()
            }
        }
    }

    @Test(.enabled(if: TokenServer.isAvailable, "needs python3 for the token service"))
    func unauthorizedOnTheFinalUploadPutReauthenticates() async throws {
        try await withTokenServer { tokens in
            let challenge = #"Bearer realm="\#(tokens.realm)",service="test-registry",scope="repository:fault/auth:pull,push""#
            let rule = FaultProxy.Rule("PUT", FaultScenario.uploadPut, on: 1...1,
                                       .respond(status: 401, headers: ["WWW-Authenticate": challenge]))
            try await withProxiedClient(rules: [rule], tokenRealm: tokens.realm,
                                        credential: .basic(username: "u", password: "p")) { client, proxy, registry in
                let blob = pseudoRandomData(count: 300_000, seed: 7)
                try await client.uploadBlob(repository: "fault/auth", digest: sha256(blob), data: blob)
                let puts = proxy.requests.filter { $0.method == "PUT" }
                #expect(puts.count == 2)
                #expect(puts.first?.fault != nil)
                // The cached token was dropped and a new one fetched for the retry.
                let pushTokens = try await tokens.requests().filter { $0.values("scope") == ["repository:fault/auth:pull,push"] }
                #expect(pushTokens.count == 2)
                #expect(puts.map { $0.headers.first(name: "Authorization") }.allSatisfy { $0?.hasPrefix("Bearer tok-") == true })
                #expect(puts[0].headers.first(name: "Authorization") != puts[1].headers.first(name: "Authorization"))
                let direct = RegistryClient(host: registry.host)
                #expect(try await direct.blobData(repository: "fault/auth", digest: sha256(blob), maxSize: 1 << 20) == blob)
                try await direct.shutdown()
            }
        }
    }
}
