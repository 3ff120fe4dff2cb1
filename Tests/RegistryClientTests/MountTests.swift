import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Cross-repository mounts")
struct MountTests {
    struct MountCase: Sendable, CustomTestStringConvertible {
        /// Answers of candidates `a`, `b`, `c`; nil = natural (201 if it holds the blob, else 202).
        var answers: [String: Int]
        var mounted: Bool
        var expected: [String]
        var testDescription: String { answers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
    }

    static let cases = [
        // Harbor's 401 and a 404 move on; `c` holds the blob.
        MountCase(answers: ["a": 401, "b": 404], mounted: true, expected: ["POST a", "POST b", "POST c"]),
        // A 202 session is cancelled before trying the next candidate.
        MountCase(answers: ["a": 202, "b": 201], mounted: true, expected: ["POST a", "DELETE", "POST b"]),
        MountCase(answers: ["a": 401, "b": 202, "c": 404], mounted: false, expected: ["POST a", "POST b", "DELETE", "POST c"]),
    ]

    @Test(arguments: cases)
    func mountFromAnyCandidate(_ c: MountCase) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.mountAnswers = c.answers
        let blob = pseudoRandomData(count: 2000, seed: 21)
        try await withFakeClient(behavior) { client, fake in
            fake.seedBlob(repository: "c", blob)
            let mounted = try await client.mountBlob(repository: "dst", digest: sha256(blob), fromAny: ["a", "b", "dst", "a", "c"])
            #expect(mounted == c.mounted)
            let requests = fake.requests()
            #expect(requests.map { $0.method + ($0.queryValue("from").map { " \($0)" } ?? "") } == c.expected)
            #expect(requests.filter { $0.method == "POST" }.allSatisfy { $0.queryValue("mount") == sha256(blob).description })
            #expect(fake.openSessionCount() == 0)
            #expect(await client.stats.blobsMounted == (c.mounted ? 1 : 0))
        }
    }

    @Test func pushBlobUploadsIntoTheMountSession() async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.mountAnswers = ["a": 202, "b": 202]
        try await withBlobFile(count: 3000, seed: 22) { path, data in
            try await withFakeClient(behavior) { client, fake in
                let result = try await client.pushBlob(repository: "dst", digest: sha256(data), size: 3000, fromFile: path,
                                                       mountFrom: ["a", "b"])
                #expect(result == .uploaded)
                let requests = fake.requests()
                // The first session is dropped for the second, which receives the bytes: no extra POST.
                #expect(sequence(requests) == ["HEAD", "POST", "POST", "DELETE", "PUT"])
                #expect(requests[3].path != requests[4].path)
                #expect(requests[4].queryValue("digest") == sha256(data).description)
                #expect(fake.blob(repository: "dst", digest: sha256(data).description) == data)
                #expect(fake.openSessionCount() == 0)

                fake.clearRequests()
                #expect(try await client.pushBlob(repository: "dst", digest: sha256(data), size: 3000, fromFile: path,
                                                  mountFrom: ["a"]) == .alreadyPresent)
                #expect(sequence(fake.requests()) == ["HEAD"])
            }
        }
    }

    @Test func pushBlobMountsWhenACandidateHasIt() async throws {
        try await withBlobFile(count: 3000, seed: 23) { path, data in
            try await withFakeClient { client, fake in
                fake.seedBlob(repository: "base", data)
                let result = try await client.pushBlob(repository: "dst", digest: sha256(data), size: 3000, fromFile: path,
                                                       mountFrom: ["elsewhere", "base"])
                #expect(result == .mounted(from: "base"))
                // `elsewhere` answered 202; its session is cancelled once `base` mounted.
                #expect(sequence(fake.requests()) == ["HEAD", "POST", "POST", "DELETE"])
                #expect(fake.blob(repository: "dst", digest: sha256(data).description) == data)
                #expect(fake.openSessionCount() == 0)
            }
        }
    }

    @Test func mountFromAnyAgainstDistribution() async throws {
        let blob = pseudoRandomData(count: 4096, seed: 24)
        try await withRegistryClient { client, registry in
            try await client.uploadBlob(repository: "src/base", digest: sha256(blob), data: blob)
            #expect(try await client.mountBlob(repository: "dst/app", digest: sha256(blob),
                                               fromAny: ["none/a", "none/b", "src/base"]))
            #expect(try await client.blobExists(repository: "dst/app", digest: sha256(blob)))
            // The two 202 sessions were cancelled, not left to expire.
            #expect(uploadSessions(registry, repository: "dst/app").isEmpty)
            let missing = sha256(Data("nowhere".utf8))
            #expect(try await client.mountBlob(repository: "dst/app", digest: missing, fromAny: ["src/base"]) == false)
            #expect(uploadSessions(registry, repository: "dst/app").isEmpty)
        }
    }

    @Test func mountFromAnyAsksForBothScopesPerCandidate() async throws {
        try await withTokenServer { tokens in
            try await withTestRegistry(tokenRealm: tokens.realm) { registry in
                let client = RegistryClient(host: registry.host)
                let digest = sha256(Data("x".utf8))
                _ = try await client.mountBlob(repository: "team/app", digest: digest, fromAny: ["team/one", "team/two"])
                let scopeSets = try await tokens.requests().map { Set($0.values("scope")) }
                #expect(scopeSets.contains(["repository:team/app:pull,push", "repository:team/one:pull"]))
                #expect(scopeSets.contains(["repository:team/app:pull,push", "repository:team/two:pull"]))
                try await client.shutdown()
            }
        }
    }
}

/// Live upload sessions distribution keeps for `repository` (filesystem storage). A cancelled
/// session loses its `startedat` and `data` files; 2.8 leaves an empty `hashstates` tree behind.
func uploadSessions(_ registry: TestRegistry, repository: String) -> [String] {
    let dir = registry.storageRoot + "/docker/registry/v2/repositories/\(repository)/_uploads"
    let ids = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return ids.filter { FileManager.default.fileExists(atPath: "\(dir)/\($0)/startedat") }
}
