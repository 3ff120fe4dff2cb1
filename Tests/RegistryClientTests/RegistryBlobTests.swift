import Foundation
import NIOCore
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Registry blobs (docker-registry 2.8)")
struct RegistryBlobTests {
    @Test func pingFallsBackToPlainHTTPOnLoopback() async throws {
        try await withRegistryClient { client, registry in
            try await client.ping()
            #expect(await client.baseURL == "http://\(registry.host)")
            #expect(await client.authMode == .anonymous)
        }
    }

    @Test func pingReportsAnUnreachableRegistry() async throws {
        let port = try freeLoopbackPort()   // nothing listens there
        let client = RegistryClient(host: "127.0.0.1:\(port)")
        do {
            try await client.ping()
            Issue.record("ping succeeded without a server")
        } catch let error as RegistryError {
            guard case let .connectionFailed(method, host, path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            // HTTPS failed first, then plain HTTP (loopback) was tried and reported.
            #expect(method == "GET" && host == "127.0.0.1:\(port)" && path == "/v2/")
        }
        try await client.shutdown()
    }

    @Test func plainHTTPPolicy() async throws {
        let client = RegistryClient(host: "h", options: RegistryOptions(insecureHosts: ["reg.lan:5000"]))
        #expect(client.isPlainHTTPAllowed("reg.lan:5000"))
        #expect(!client.isPlainHTTPAllowed("reg.lan:5001"))
        #expect(!client.isPlainHTTPAllowed("example.com"))
        #expect(client.isPlainHTTPAllowed("localhost:5000"))
        try await client.shutdown()
    }

    @Test func uploadFromFileThenHeadGetAndDownload() async throws {
        try await withTempDir { dir in
            let data = pseudoRandomData(count: 3 << 20 | 12345, seed: 42)
            let digest = sha256(data)
            let source = try dir.write("layer.bin", data)
            try await withRegistryClient { client, _ in
                #expect(try await client.blobExists(repository: "test/app", digest: digest) == false)
                try await client.uploadBlob(repository: "test/app", digest: digest, size: Int64(data.count), fromFile: source)
                #expect(try await client.blobExists(repository: "test/app", digest: digest))

                let fetched = try await client.blobData(repository: "test/app", digest: digest, maxSize: 8 << 20)
                #expect(fetched == data)

                let target = dir.file("out/downloaded.bin")
                try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
                let written = try await client.downloadBlob(repository: "test/app", digest: digest, to: target)
                #expect(written == Int64(data.count))
                #expect(FileManager.default.contents(atPath: target) == data)
                // Only the final file: the temp file was renamed, not copied.
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")) == ["downloaded.bin"])

                let stats = await client.stats
                #expect(stats.blobsUploaded == 1)
                #expect(stats.bytesUploaded == Int64(data.count))
                #expect(stats.bytesDownloaded == 2 * Int64(data.count))
                #expect(stats.blobsSkipped == 1)
            }
        }
    }

    @Test func relativeUploadLocationsAreResolved() async throws {
        try await withTempDir { dir in
            let data = pseudoRandomData(count: 300_000, seed: 5)
            let path = try dir.write("blob", data)
            try await withTestRegistry(relativeURLs: true) { registry in
                let client = RegistryClient(host: registry.host)
                try await client.uploadBlob(repository: "rel/app", digest: sha256(data), size: Int64(data.count), fromFile: path)
                #expect(try await client.blobData(repository: "rel/app", digest: sha256(data), maxSize: 1 << 20) == data)
                let image = TestImage(family: .docker, seed: 6)
                try await image.push(to: client, repository: "rel/app", tag: "t")
                await #expect(try Skopeo.inspectRaw("docker://\(registry.host)/rel/app:t") == image.manifest)
                try await client.shutdown()
            }
        }
    }

    @Test func smallBlobLimitsAndSizeChecks() async throws {
        let config = Data(#"{"os":"linux"}"#.utf8)
        let digest = sha256(config)
        try await withRegistryClient { client, _ in
            try await client.uploadBlob(repository: "small", digest: digest, data: config)
            await #expect(throws: RegistryError.tooLarge(limit: 4, context: "blob \(digest) (\(config.count) bytes)")) {
                try await client.blobData(repository: "small", digest: digest, maxSize: 4)
            }
            // The wrong digest is refused before anything is sent.
            let wrong = sha256(Data("other".utf8))
            await #expect(throws: RegistryError.digestMismatch(expected: wrong, actual: digest, context: "blob to upload")) {
                try await client.uploadBlob(repository: "small", digest: wrong, data: config)
            }
            // A missing blob surfaces the registry's code.
            do {
                _ = try await client.blobData(repository: "small", digest: wrong, maxSize: 100)
                Issue.record("expected BLOB_UNKNOWN")
            } catch let error as RegistryError {
                #expect(error.status == 404)
                #expect(error.registryCodes == ["BLOB_UNKNOWN"])
            }
        }
    }

    @Test func uploadRejectsAFileOfTheWrongSize() async throws {
        try await withTempDir { dir in
            let data = pseudoRandomData(count: 1000, seed: 3)
            let path = try dir.write("b", data)
            let client = RegistryClient(host: "127.0.0.1:1")
            await #expect(throws: RegistryError.sizeMismatch(expected: 999, actual: 1000, context: "blob \(sha256(data)) file \(path)")) {
                try await client.uploadBlob(repository: "r", digest: sha256(data), size: 999, fromFile: path)
            }
            try await client.shutdown()
        }
    }

    @Test func mountBetweenRepositories() async throws {
        let blob = pseudoRandomData(count: 4096, seed: 7)
        let digest = sha256(blob)
        try await withRegistryClient { client, _ in
            try await client.uploadBlob(repository: "src/base", digest: digest, data: blob)
            let destination = RegistryRepository(client: client, repository: "dst/app")
            #expect(try await destination.mount(digest, from: "src/base"))
            #expect(try await destination.hasBlob(digest))
            // A blob the source lacks: the registry opens a session (202) and we report false.
            let missing = sha256(Data("missing".utf8))
            #expect(try await client.mountBlob(repository: "dst/app", digest: missing, from: "src/base") == false)
            #expect(await client.stats.blobsMounted == 1)
        }
    }

    @Test func verifyingWriterRejectsWrongDigestAndLeavesNothing() async throws {
        try await withTempDir { dir in
            let chunks = (0..<5).map { pseudoRandomData(count: 70_000, seed: UInt64($0) + 10) }
            let whole = chunks.reduce(Data(), +)
            let stream = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(ByteBuffer(data: chunk)) }
                continuation.finish()
            }
            let wrong = sha256(Data("not this".utf8))
            await #expect(throws: RegistryError.digestMismatch(expected: wrong, actual: sha256(whole), context: "test")) {
                try await VerifyingFileWriter.write(stream, to: dir.file("blob"), expected: wrong, context: "test")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)

            let again = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(ByteBuffer(data: chunk)) }
                continuation.finish()
            }
            let size = try await VerifyingFileWriter.write(again, to: dir.file("blob"), expected: sha256(whole), context: "test")
            #expect(size == Int64(whole.count))
            #expect(FileManager.default.contents(atPath: dir.file("blob")) == whole)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["blob"])
        }
    }
}
