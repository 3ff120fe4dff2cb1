import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Uploads (docker-registry 2.8)")
struct UploadRegistryTests {
    /// Sizes: tiny, an exact multiple of the 1 MiB chunk, and one that is not.
    static let sizes = [1024, 3 << 20, 3 << 20 + 12345]

    @Test(arguments: [nil, 1 << 20] as [Int?], [false, true])
    func uploadsVerifyByHeadAndGet(chunkSize: Int?, relativeURLs: Bool) async throws {
        try await withTempDir { dir in
            try await withTestRegistry(relativeURLs: relativeURLs) { registry in
                let client = RegistryClient(host: registry.host, options: RegistryOptions(chunkSize: chunkSize))
                for (index, size) in Self.sizes.enumerated() {
                    let data = pseudoRandomData(count: size, seed: 100 + UInt64(index))
                    let path = try dir.write("blob-\(index)", data)
                    try await client.uploadBlob(repository: "up/app", digest: sha256(data), size: Int64(size), fromFile: path)
                    #expect(try await client.blobExists(repository: "up/app", digest: sha256(data)))
                    #expect(try await client.blobData(repository: "up/app", digest: sha256(data), maxSize: 8 << 20) == data)
                }
                let config = Data(#"{"os":"linux"}"#.utf8)
                try await client.uploadBlob(repository: "up/app", digest: sha256(config), data: config)
                #expect(try await client.blobData(repository: "up/app", digest: sha256(config), maxSize: 1024) == config)
                #expect(uploadSessions(registry, repository: "up/app").isEmpty)
                #expect(await client.stats.blobsUploaded == Self.sizes.count + 1)
                try await client.shutdown()
            }
        }
    }

    /// The reporter handed to `uploadBlob` hears every position the file body reached, in order,
    /// ending at the size, streamed in one request or in chunks (it is passed explicitly; a
    /// task-local carrying it crashed in optimized builds).
    @Test(arguments: [nil, 1 << 20] as [Int?])
    func uploadReportsProgressToTheEnd(chunkSize: Int?) async throws {
        let size = 3 << 20 + 12345
        let data = pseudoRandomData(count: size, seed: 120)
        let seen = PositionLog()
        try await withTempDir { dir in
            try await withTestRegistry { registry in
                let client = RegistryClient(host: registry.host, options: RegistryOptions(chunkSize: chunkSize))
                let path = try dir.write("blob", data)
                try await client.uploadBlob(repository: "up/progress", digest: sha256(data), size: Int64(size), fromFile: path,
                                            progress: { seen.append($0) })
                #expect(try await client.blobExists(repository: "up/progress", digest: sha256(data)))
                try await client.shutdown()
            }
        }
        let positions = seen.values
        #expect(positions.count >= 4)   // at least one report per 1 MiB read
        #expect(positions == positions.sorted())
        #expect(positions.last == Int64(size))
    }

    /// 2.8 refuses an older Location of a session that has moved on (404 BLOB_UPLOAD_INVALID); the
    /// client must open a new session rather than fail or replay on that URL.
    @Test func staleLocationOnDistributionStartsANewSession() async throws {
        let data = pseudoRandomData(count: 5000, seed: 110)
        try await withRegistryClient { client, registry in
            let scopes = [Scope.push("stale/app")]
            /// A session advanced by one chunk, and its first (now stale) Location.
            func advancedSession() async throws -> UploadSession {
                let opened = try await client.openUpload(repository: "stale/app")
                var session = opened
                try await client.sendChunks(&session, source: .data(data.prefix(2000)), size: 2000, scopes: scopes)
                #expect(session.url != opened.url)   // the `_state` moved on
                return opened
            }

            // What the registry says about a stale Location, seen directly on a session of its own.
            let probe = try await advancedSession()
            let response = try await client.send(.PATCH, probe.url, headers: ["Content-Type": "application/octet-stream",
                                                                               "Content-Range": "0-9"],
                                                 body: .data(data.prefix(10)), scopes: scopes)
            let error = await client.failure(response, .PATCH, probe.url)
            #expect(error.status == 404 && error.registryCodes == ["BLOB_UPLOAD_INVALID"])

            let stale = try await advancedSession()
            try await client.uploadContents(repository: "stale/app", digest: sha256(data), source: .data(data), size: 5000,
                                            session: stale)
            #expect(try await client.blobData(repository: "stale/app", digest: sha256(data), maxSize: 1 << 20) == data)
            // Only the probe's and the stale session remain: 2.8 refuses the DELETE through a stale
            // Location just like the PATCH, so those two wait for upload purging (168 h). The
            // session the client opened itself was committed.
            #expect(uploadSessions(registry, repository: "stale/app").count == 2)
        }
    }

    /// What a cancelled upload leaves behind: nothing.
    @Test func failedUploadLeavesNoSession() async throws {
        let data = pseudoRandomData(count: 3000, seed: 111)
        try await withTempDir { dir in
            let path = try dir.write("b", data)
            try await withTestRegistry { registry in
                let client = RegistryClient(host: registry.host, options: RegistryOptions(chunkSize: 1000))
                let wrong = sha256(Data("not it".utf8))
                do {
                    try await client.uploadBlob(repository: "fail/app", digest: wrong, size: 3000, fromFile: path)
                    Issue.record("a wrong digest was accepted")
                } catch let error as RegistryError {
                    #expect(error.status == 400 && error.registryCodes == ["DIGEST_INVALID"])
                }
                #expect(uploadSessions(registry, repository: "fail/app").isEmpty)
                try await client.shutdown()
            }
        }
    }
}

/// Positions reported from the upload's body stream (any thread).
private final class PositionLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int64] = []
    func append(_ v: Int64) { lock.withLock { list.append(v) } }
    var values: [Int64] { lock.withLock { list } }
}
