import Foundation
import OCIModel
import RegistryClient

/// A blob a destination needs, and where its bytes are.
struct PendingBlob: Sendable {
    enum Origin: Sendable {
        case data(Data)
        case file(String)
        case base(ResolvedBase)
    }
    var digest: Digest
    var size: Int64
    var origin: Origin
    /// Registry repositories of bases holding this blob, to mount from on the same registry.
    var mountCandidates: [ImageReference] = []
}

extension Array where Element == ComposedImage {
    /// Every blob the images reference, each digest once, in a stable order; foreign and
    /// non-distributable layers are left out (their bytes live elsewhere, by design).
    func pendingBlobs(bases: [ResolvedBase]) -> [PendingBlob] {
        var seen = Set<Digest>()
        var out: [PendingBlob] = []
        for (image, base) in zip(self, bases) {
            for layer in image.layers where !layer.isNonDistributable {
                guard seen.insert(layer.digest).inserted else { continue }
                if let built = image.newLayer, built.digest == layer.digest {
                    out.append(PendingBlob(digest: layer.digest, size: layer.size, origin: .file(built.path)))
                } else {
                    // Every base that lists this layer is a place it may be mounted from.
                    let holders = bases.filter { b in (try? b.manifest?.layers.contains { $0.digest == layer.digest }) == true }
                    out.append(PendingBlob(digest: layer.digest, size: layer.size, origin: .base(base),
                                           mountCandidates: holders.compactMap(\.registryOrigin)))
                }
            }
            if seen.insert(image.configDigest).inserted {
                out.append(PendingBlob(digest: image.configDigest, size: Int64(image.config.count), origin: .data(image.config)))
            }
        }
        return out
    }
}

/// Base blobs fetched to local files at most once per build, whatever number of destinations need them.
actor BaseBlobCache {
    private let directory: String
    private var inFlight: [Digest: Task<String, any Error>] = [:]

    init(directory: String) { self.directory = directory }

    func file(for digest: Digest, from base: ResolvedBase) async throws -> String {
        if let t = inFlight[digest] { return try await t.value }
        guard let source = base.source else {
            throw BuildError.unsupported("internal: blob \(digest) has no source")
        }
        let path = (directory as NSString).appendingPathComponent(digest.encoded)
        let task = Task { () throws -> String in
            if let layoutSource = source as? OCILayoutSource, layoutSource.layout.hasBlob(digest) {
                return layoutSource.layout.blobPath(digest)
            }
            try await source.fetchBlob(digest, to: path)
            return path
        }
        inFlight[digest] = task
        return try await task.value
    }
}

/// Counts of what a publish moved, for the build result.
public struct PublishStats: Sendable, Codable, Equatable {
    public var blobsUploaded = 0
    public var bytesUploaded: Int64 = 0
    public var blobsMounted = 0
    public var blobsSkipped = 0
    public var foreignLayersSkipped = 0
    public var manifestsPushed = 0
    /// Manifests the destination already held (found by HEAD), so not pushed again.
    public var manifestsSkipped = 0
    /// Bytes uploaded per blob (for the per-layer figures of the result; not encoded).
    public var bytesUploadedByDigest: [Digest: Int64] = [:]
    /// The destination already had this exact index under the tag; nothing was sent (not encoded).
    public var upToDate = false
    public init() {}

    enum CodingKeys: String, CodingKey {
        case blobsUploaded, bytesUploaded, blobsMounted, blobsSkipped, foreignLayersSkipped, manifestsPushed, manifestsSkipped
    }

    mutating func add(_ o: PublishStats) {
        blobsUploaded += o.blobsUploaded; bytesUploaded += o.bytesUploaded; blobsMounted += o.blobsMounted
        blobsSkipped += o.blobsSkipped; foreignLayersSkipped += o.foreignLayersSkipped; manifestsPushed += o.manifestsPushed
        manifestsSkipped += o.manifestsSkipped
        bytesUploadedByDigest.merge(o.bytesUploadedByDigest, uniquingKeysWith: +)
    }

    mutating func uploaded(_ digest: Digest, bytes: Int64) {
        blobsUploaded += 1
        bytesUploaded += bytes
        bytesUploadedByDigest[digest, default: 0] += bytes
    }
}
