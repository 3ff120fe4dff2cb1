import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Upload resume and cancellation (fake registry)")
struct UploadResumeTests {
    /// A broken PATCH: what the client sends next. Size 10 000, chunks of 4096.
    struct ResetCase: Sendable, CustomTestStringConvertible {
        var afterBytes: Int
        var onPatch: Int
        var expected: [String]
        var newSession: Bool
        var testDescription: String { "reset after \(afterBytes) bytes of PATCH #\(onPatch)" }
    }

    static let resetCases = [
        // Continue where the registry stands, on the Location the status GET returned.
        ResetCase(afterBytes: 1500, onPatch: 0,
                  expected: ["POST", "PATCH 0-4095", "GET"] + ranges(from: 1500, size: 10_000, chunk: 4096) + ["PUT"],
                  newSession: false),
        ResetCase(afterBytes: 100, onPatch: 1,
                  expected: ["POST", "PATCH 0-4095", "PATCH 4096-8191", "GET"] + ranges(from: 4196, size: 10_000, chunk: 4096) + ["PUT"],
                  newSession: false),
        // One byte arrived: `Range: 0-0` could mean 0 or 1 byte, so a new session starts from 0.
        ResetCase(afterBytes: 1, onPatch: 0,
                  expected: ["POST", "PATCH 0-4095", "GET", "DELETE", "POST"] + ranges(size: 10_000, chunk: 4096) + ["PUT"],
                  newSession: true),
    ]

    @Test(arguments: resetCases)
    func resumesAfterABrokenPatch(_ c: ResetCase) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.patchReset = .init(afterBytes: c.afterBytes, fromPatch: c.onPatch)
        try await withBlobFile(count: 10_000, seed: 11) { path, data in
            try await withFakeClient(behavior, chunkSize: 4096) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 10_000, fromFile: path)
                let requests = fake.requests()
                #expect(sequence(requests) == c.expected)
                #expect(requests.filter(\.wasReset).count == 1)
                // Never offset 0 twice on one session.
                let restarts = requests.filter { $0.method == "PATCH" && $0.header("Content-Range")!.hasPrefix("0-") }
                #expect(Set(restarts.map(\.path)).count == restarts.count)
                #expect(Set(requests.filter { $0.method == "PATCH" }.map(\.path)).count == (c.newSession ? 2 : 1))
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
                #expect(fake.openSessionCount() == 0)
            }
        }
    }

    @Test func statusGone404StartsANewSession() async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.patchReset = .init(afterBytes: 1500)
        behavior.statusAnswers404 = true
        try await withBlobFile(count: 6000, seed: 12) { path, data in
            try await withFakeClient(behavior, chunkSize: 4096) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 6000, fromFile: path)
                let requests = fake.requests()
                #expect(sequence(requests) == ["POST", "PATCH 0-4095", "GET", "DELETE", "POST", "PATCH 0-4095", "PATCH 4096-5999", "PUT"])
                #expect(requests[1].path != requests[5].path)
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
            }
        }
    }

    /// The client believes the session is at 0 but the registry holds 3000 bytes (a lost answer).
    @Test func outOfOrder416IsRecoveredFromTheStatus() async throws {
        try await withFakeClient(chunkSize: 4096) { client, fake in
            let data = pseudoRandomData(count: 9000, seed: 13)
            var session = try await client.openUpload(repository: "r")
            try await client.sendChunks(&session, source: .data(data.prefix(3000)), size: 3000, scopes: [])
            let behind = UploadSession(url: session.url, offset: 0, sent: 3000)
            fake.clearRequests()
            try await client.uploadContents(repository: "r", digest: sha256(data), source: .data(data), size: 9000, session: behind)
            #expect(sequence(fake.requests()) == ["PATCH 0-4095", "GET", "PATCH 3000-7095", "PATCH 7096-8999", "PUT"])
            #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
        }
    }

    /// An older Location of a session that moved on: 2.8 answers 404 BLOB_UPLOAD_INVALID.
    @Test func staleLocationStartsANewSession() async throws {
        try await withFakeClient(chunkSize: 4096) { client, fake in
            let data = pseudoRandomData(count: 5000, seed: 14)
            let opened = try await client.openUpload(repository: "r")
            var session = opened
            try await client.sendChunks(&session, source: .data(data.prefix(3000)), size: 3000, scopes: [])
            fake.clearRequests()
            try await client.uploadContents(repository: "r", digest: sha256(data), source: .data(data), size: 5000, session: opened)
            let requests = fake.requests()
            #expect(sequence(requests) == ["PATCH 0-4095", "DELETE", "POST", "PATCH 0-4095", "PATCH 4096-4999", "PUT"])
            #expect(requests[0].queryValue("_state") == "0")
            #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
        }
    }

    @Test(arguments: [FakeRegistry.CommitReset.beforeCommit, .afterCommit], [nil, 4096] as [Int?])
    func brokenCommit(_ reset: FakeRegistry.CommitReset, chunkSize: Int?) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.commitReset = reset
        try await withBlobFile(count: 6000, seed: 15) { path, data in
            try await withFakeClient(behavior, chunkSize: chunkSize) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 6000, fromFile: path)
                let sent = chunkSize == nil ? ["POST", "PUT"] : ["POST", "PATCH 0-4095", "PATCH 4096-5999", "PUT"]
                let expected: [String]
                switch (reset, chunkSize) {
                case (.afterCommit, _):
                    expected = sent + ["HEAD"]                 // it is there: done
                case (.beforeCommit, nil):
                    expected = sent + ["HEAD", "DELETE", "POST", "PUT"]   // a monolithic PUT cannot resume
                case (.beforeCommit, _):
                    expected = sent + ["HEAD", "GET", "PUT"]   // all bytes are there: commit again
                }
                #expect(sequence(fake.requests()) == expected)
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
                #expect(await client.stats.blobsUploaded == 1)
            }
        }
    }

    @Test func resumesAreBoundedAndTheSessionIsCancelled() async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.patchReset = .init(afterBytes: 100, times: 1000)
        try await withBlobFile(count: 10_000, seed: 16) { path, data in
            try await withFakeClient(behavior, chunkSize: 4096) { client, fake in
                do {
                    try await client.uploadBlob(repository: "r", digest: sha256(data), size: 10_000, fromFile: path)
                    Issue.record("upload succeeded through endless resets")
                } catch let error as RegistryError {
                    guard case let .connectionFailed(method, _, _, reason) = error else {
                        Issue.record("unexpected error \(error)")
                        return
                    }
                    #expect(method == "PATCH")
                    #expect(reason.contains("gave up after \(RegistryClient.maxUploadRecoveries)"))
                }
                let requests = fake.requests()
                #expect(requests.filter { $0.method == "PATCH" }.count == RegistryClient.maxUploadRecoveries + 1)
                #expect(sequence(requests).last == "DELETE")
                #expect(fake.openSessionCount() == 0)
            }
        }
    }

    @Test(arguments: [true, false])
    func cancellationCancelsTheSession(chunked: Bool) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.hangPatches = true
        behavior.hangPuts = true
        try await withBlobFile(count: 5000, seed: 17) { path, data in
            try await withFakeClient(behavior, chunkSize: chunked ? 4096 : nil) { client, fake in
                let upload = Task {
                    try await client.uploadBlob(repository: "r", digest: sha256(data), size: 5000, fromFile: path)
                }
                let hung = chunked ? "PATCH" : "PUT"
                for _ in 0..<500 where !fake.requests().contains(where: { $0.method == hung }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                upload.cancel()
                await #expect(throws: CancellationError.self) { try await upload.value }
                let requests = fake.requests()
                #expect(sequence(requests) == ["POST", chunked ? "PATCH 0-4095" : "PUT", "DELETE"])
                #expect(requests.last?.path == requests[1].path)
                #expect(fake.openSessionCount() == 0)
            }
        }
    }
}
