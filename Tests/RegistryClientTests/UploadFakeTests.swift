import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

/// Runs `body` with a client for a fresh fake registry; both are shut down afterwards.
func withFakeClient<T>(_ behavior: FakeRegistry.Behavior = FakeRegistry.Behavior(), chunkSize: Int? = nil,
                       credential: Credential? = nil,
                       _ body: (RegistryClient, FakeRegistry) async throws -> T) async throws -> T {
    try await withFakeRegistry(behavior) { fake in
        var options = RegistryOptions(timeout: 10, chunkSize: chunkSize)
        if let credential { options.credentials[fake.host] = credential }
        let client = RegistryClient(host: fake.host, options: options)
        do {
            let result = try await body(client, fake)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// `count` pseudo-random bytes written to a temp file, handed to `body` with the bytes.
func withBlobFile<T>(count: Int, seed: UInt64 = 1, _ body: (String, Data) async throws -> T) async throws -> T {
    try await withTempDir { dir in
        let data = pseudoRandomData(count: count, seed: seed)
        return try await body(try dir.write("blob", data), data)
    }
}

/// The request sequence as `METHOD[ Content-Range]` strings, e.g. `["POST", "PATCH 0-99", "PUT"]`.
func sequence(_ requests: [FakeRegistry.Request]) -> [String] {
    requests.map { $0.method + ($0.header("Content-Range").map { " \($0)" } ?? "") }
}

/// The `Content-Range`s chunks of `chunk` bytes give for bytes `from..<size`.
func ranges(from: Int = 0, size: Int, chunk: Int) -> [String] {
    stride(from: from, to: size, by: chunk).map { "PATCH \($0)-\(min($0 + chunk, size) - 1)" }
}

@Suite("Uploads (fake registry)")
struct UploadFakeTests {
    @Test(arguments: [false, true])
    func monolithicByDefault(relativeLocations: Bool) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.relativeLocations = relativeLocations
        try await withBlobFile(count: 5000) { path, data in
            try await withFakeClient(behavior) { client, fake in
                try await client.uploadBlob(repository: "r/app", digest: sha256(data), size: 5000, fromFile: path)
                let requests = fake.requests()
                #expect(sequence(requests) == ["POST", "PUT"])
                let put = requests[1]
                // The Location is used as given: its `_state` stays, `digest` is added.
                #expect(put.path.hasPrefix("/v2/r/app/blobs/uploads/"))
                #expect(put.queryValue("_state") == "0")
                #expect(put.queryValue("digest") == sha256(data).description)
                #expect(put.bodyLength == 5000 && put.header("Content-Length") == "5000")
                #expect(put.header("Content-Type") == "application/octet-stream")
                #expect(fake.blob(repository: "r/app", digest: sha256(data).description) == data)
                #expect(await client.stats.bytesUploaded == 5000)
            }
        }
    }

    @Test(arguments: [
        // (size, configured chunk, OCI-Chunk-Min-Length, effective chunk, from a file)
        (10_000, 4096, nil, 4096, true),
        (8192, 4096, nil, 4096, true),        // an exact multiple: no empty last chunk
        (10_000, 1000, 3000, 3000, true),     // the registry's minimum wins
        (1, 4096, nil, 4096, true),
        (10_000, 4096, nil, 4096, false),     // in-memory blob, same protocol
    ] as [(Int, Int, Int?, Int, Bool)])
    func chunked(size: Int, chunkSize: Int, minimum: Int?, effective: Int, fromFile: Bool) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.chunkMinLength = minimum
        try await withBlobFile(count: size, seed: 2) { path, data in
            try await withFakeClient(behavior, chunkSize: chunkSize) { client, fake in
                if fromFile {
                    try await client.uploadBlob(repository: "r", digest: sha256(data), size: Int64(size), fromFile: path)
                } else {
                    try await client.uploadBlob(repository: "r", digest: sha256(data), data: data)
                }
                let requests = fake.requests()
                #expect(sequence(requests) == ["POST"] + ranges(size: size, chunk: effective) + ["PUT"])
                for patch in requests.filter({ $0.method == "PATCH" }) {
                    let range = patch.header("Content-Range")!.split(separator: "-").compactMap { Int($0) }
                    #expect(patch.header("Content-Type") == "application/octet-stream")
                    #expect(patch.header("Content-Length") == String(range[1] - range[0] + 1))
                    #expect(patch.bodyLength == range[1] - range[0] + 1)
                    // Each PATCH went to the newest Location, whose `_state` is the offset.
                    #expect(patch.queryValue("_state") == String(range[0]))
                }
                let put = requests.last!
                #expect(put.bodyLength == 0 && put.header("Content-Length") == "0")
                #expect(put.queryValue("digest") == sha256(data).description)
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
            }
        }
    }

    @Test(arguments: [201, 202, 204], [false, true])
    func patchAnswersAndLocationStyles(status: Int, relativeLocations: Bool) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.patchStatus = status
        behavior.relativeLocations = relativeLocations
        try await withBlobFile(count: 7000, seed: 3) { path, data in
            try await withFakeClient(behavior, chunkSize: 3000) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 7000, fromFile: path)
                #expect(sequence(fake.requests()) == ["POST"] + ranges(size: 7000, chunk: 3000) + ["PUT"])
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
            }
        }
    }

    @Test func fallsBackToChunksAfter413AndRemembersIt() async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.monolithicPutLimit = 1000
        try await withBlobFile(count: 5000, seed: 4) { path, data in
            try await withFakeClient(behavior) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 5000, fromFile: path)
                let first = fake.requests()
                #expect(sequence(first) == ["POST", "PUT", "DELETE", "POST", "PATCH 0-4999", "PUT"])
                // The refused session is cancelled, the chunks go to a new one.
                #expect(first[2].path == first[1].path && first[4].path != first[1].path)
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
                #expect(fake.openSessionCount() == 0)

                // Later uploads of this client go straight to chunks.
                fake.clearRequests()
                let small = pseudoRandomData(count: 3000, seed: 5)
                try await client.uploadBlob(repository: "r", digest: sha256(small), data: small)
                #expect(sequence(fake.requests()) == ["POST", "PATCH 0-2999", "PUT"])
                #expect(await client.uploadPolicy.monolithicRefused)
            }
        }
    }

    @Test(arguments: [nil, 2000] as [Int?])
    func credentialsStayWithTheRegistryOrigin(chunkSize: Int?) async throws {
        var behavior = FakeRegistry.Behavior()
        behavior.locationsOnAlternatePort = true
        try await withBlobFile(count: 5000, seed: 6) { path, data in
            try await withFakeClient(behavior, chunkSize: chunkSize, credential: .bearer(token: "secret")) { client, fake in
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 5000, fromFile: path)
                let requests = fake.requests()
                let moved = requests.filter { $0.port == fake.alternatePort }
                #expect(requests.first?.port == fake.port && requests.first?.header("Authorization") == "Bearer secret")
                #expect(moved.count == requests.count - 1)
                #expect(moved.allSatisfy { $0.header("Authorization") == nil })
                #expect(fake.blob(repository: "r", digest: sha256(data).description) == data)
            }
        }
    }

    @Test func digestMismatchFailsAndCancelsTheSession() async throws {
        try await withBlobFile(count: 3000, seed: 7) { path, _ in
            try await withFakeClient(chunkSize: 1000) { client, fake in
                let wrong = sha256(Data("something else".utf8))
                do {
                    try await client.uploadBlob(repository: "r", digest: wrong, size: 3000, fromFile: path)
                    Issue.record("upload with a wrong digest succeeded")
                } catch let error as RegistryError {
                    #expect(error.status == 400 && error.registryCodes == ["DIGEST_INVALID"])
                }
                #expect(sequence(fake.requests()) == ["POST"] + ranges(size: 3000, chunk: 1000) + ["PUT", "DELETE"])
                #expect(await client.stats.blobsUploaded == 0)
            }
        }
    }
}
