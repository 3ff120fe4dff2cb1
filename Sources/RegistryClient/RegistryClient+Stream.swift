import AsyncHTTPClient
import Foundation
import LayerBuilder
import NIOCore
import OCIModel

/// How a streamed blob ended.
public enum BlobStreamEnd: Sendable, Equatable {
    /// Read to the end, and its digest matched.
    case verified(bytes: Int64)
    /// The consumer needed no more after `bytes`; the rest was not downloaded (and so the
    /// digest could not be checked).
    case stopped(bytes: Int64)

    public var bytes: Int64 {
        switch self { case let .verified(b), let .stopped(b): return b }
    }
}

/// Hashes a stream as it passes and compares the digest at its end.
struct StreamVerifier {
    let expected: Digest
    private var hasher = SHA256Hasher()
    private(set) var count: Int64 = 0

    init(expected: Digest) throws {
        try expected.requireVerifiable()
        self.expected = expected
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { hasher.update($0) }
        count += Int64(bytes.count)
    }

    mutating func finish(context: String) throws -> BlobStreamEnd {
        let actual = hasher.finalize()
        guard actual == expected else { throw RegistryError.digestMismatch(expected: expected, actual: actual, context: context) }
        return .verified(bytes: count)
    }
}

extension RegistryClient {
    /// `GET` a blob and hand it to `consume` chunk by chunk, hashing as it passes; nothing is
    /// written to disk or kept in memory beyond the chunk in hand. The body is read only as fast
    /// as `consume` returns, so a slow consumer slows the download instead of filling memory.
    /// - Parameter consume: returns false to stop; the connection is then dropped.
    /// - Throws: `RegistryError.digestMismatch` after the last chunk when the content is wrong.
    public func streamBlob(repository: String, digest: Digest,
                           consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd {
        try digest.requireVerifiable()
        let url = try await apiURL("/v2/\(repository)/blobs/\(digest)")
        let response = try await send(.GET, url, scopes: [Scope.pull(repository)], followRedirects: true, longTransfer: true)
        guard response.status == .ok else { throw await failure(response, .GET, url) }
        let end = try await Self.stream(response.body, digest: digest, context: "blob from \(host)/\(repository)", consume: consume)
        stats.bytesDownloaded += end.bytes
        return end
    }

    @concurrent
    nonisolated static func stream(_ body: HTTPClientResponse.Body, digest: Digest, context: String,
                                   consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd {
        var verifier = try StreamVerifier(expected: digest)
        for try await chunk in body {
            let bytes = Array(chunk.readableBytesView)
            verifier.update(bytes)
            if try await !consume(bytes) { return .stopped(bytes: verifier.count) }
        }
        return try verifier.finish(context: context)
    }
}

extension RegistryRepository {
    public func streamBlob(_ d: Digest, consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd {
        try await client.streamBlob(repository: repository, digest: d, consume: consume)
    }
}

extension OCILayoutSource {
    /// Reads the blob file in 1 MiB chunks, verifying its digest the same way.
    public func streamBlob(_ d: Digest, consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd {
        let path = layout.blobPath(d)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError.io(path: path, reason: "blob \(d) is missing from the layout; the copy is incomplete — copy the image again (e.g. skopeo copy --all)")
        }
        defer { try? handle.close() }
        var verifier = try StreamVerifier(expected: d)
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            let bytes = [UInt8](chunk)
            verifier.update(bytes)
            if try await !consume(bytes) { return .stopped(bytes: verifier.count) }
        }
        return try verifier.finish(context: "blob \(path)")
    }
}

extension ImageSource {
    /// For sources without a streaming path (in-memory ones): the blob read whole, up to 256 MiB,
    /// then handed over in 1 MiB chunks.
    public func streamBlob(_ d: Digest, consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd {
        let data = [UInt8](try await blobData(d, maxSize: 256 << 20))
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + (1 << 20))
            if try await !consume(Array(data[offset..<end])) { return .stopped(bytes: Int64(end)) }
            offset = end
        }
        return .verified(bytes: Int64(data.count))
    }
}
