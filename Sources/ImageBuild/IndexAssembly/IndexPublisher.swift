import Foundation
import OCIModel
import RegistryClient

/// One blob the target needs, with every place it can come from.
struct IndexBlob: Sendable {
    var descriptor: Descriptor
    /// Where to read it from (the first image that lists it).
    var source: any ImageSource
    /// Repositories of the same registry as the target that hold it, to mount from.
    var mountFrom: [String]
}

extension ComposedIndex {
    /// Every blob of the images to copy, each digest once, in a stable order.
    func pendingBlobs(targetHost: String?) -> [IndexBlob] {
        var order: [Digest] = []
        var byDigest: [Digest: IndexBlob] = [:]
        for c in toCopy {
            guard let source = c.source else { continue }
            let mount = c.registryOrigin.flatMap { $0.apiHost == targetHost ? $0.repository : nil }
            for d in c.blobs {
                if var known = byDigest[d.digest] {
                    if let mount, !known.mountFrom.contains(mount) { known.mountFrom.append(mount) }
                    byDigest[d.digest] = known
                } else {
                    order.append(d.digest)
                    byDigest[d.digest] = IndexBlob(descriptor: d, source: source, mountFrom: mount.map { [$0] } ?? [])
                }
            }
        }
        return order.map { byDigest[$0]! }
    }
}

/// A blob as a local file: a layout's own blob file, or a download into the work directory.
func localFile(for blob: IndexBlob, work: WorkDirectory) async throws -> String {
    if let layout = blob.source as? OCILayoutSource, layout.layout.hasBlob(blob.descriptor.digest) {
        return layout.layout.blobPath(blob.descriptor.digest)
    }
    let path = work.path(blob.descriptor.digest.encoded)
    try await blob.source.fetchBlob(blob.descriptor.digest, to: path)
    return path
}

/// Publishes to a registry repository: blobs it lacks (mounted from another repository of the same
/// registry when possible, else copied), then each image manifest by digest, then the index by tag,
/// so the tag never points at anything missing.
struct IndexRegistryPublisher: Sendable {
    var reference: ImageReference
    var repository: RegistryRepository
    /// Blobs in flight at once.
    var concurrency: Int

    func publish(_ index: ComposedIndex, work: WorkDirectory) async throws -> PublishStats {
        var stats = PublishStats()
        stats.foreignLayersSkipped = Set(index.toCopy.flatMap { c in
            (try? c.manifest.map { try ImageManifest(data: $0).layers.filter(\.isNonDistributable).map(\.digest) } ?? []) ?? []
        }).count
        let blobs = index.pendingBlobs(targetHost: reference.apiHost)
        try await withThrowingTaskGroup(of: PublishStats.self) { group in
            var next = 0
            func launch() {
                let blob = blobs[next]
                next += 1
                group.addTask { try await transfer(blob, work: work) }
            }
            while next < min(concurrency, blobs.count) { launch() }
            while let s = try await group.next() {
                stats.add(s)
                if next < blobs.count { launch() }
            }
        }
        for c in index.toCopy {
            guard let bytes = c.manifest else { continue }
            _ = try await repository.putManifest(bytes, mediaType: c.descriptor.mediaType, reference: c.descriptor.digest.description)
            stats.manifestsPushed += 1
        }
        _ = try await repository.putManifest(index.bytes, mediaType: index.mediaType, reference: reference.tag ?? "latest")
        stats.manifestsPushed += 1
        return stats
    }

    private func transfer(_ blob: IndexBlob, work: WorkDirectory) async throws -> PublishStats {
        var s = PublishStats()
        let d = blob.descriptor
        if try await repository.hasBlob(d.digest) {
            s.blobsSkipped = 1
        } else if !blob.mountFrom.isEmpty, try await repository.client.mountBlob(repository: reference.repository, digest: d.digest, fromAny: blob.mountFrom) {
            s.blobsMounted = 1
        } else {
            let path = try await localFile(for: blob, work: work)
            try await repository.putBlob(d.digest, size: d.size, fromFile: path)
            s.blobsUploaded = 1
            s.bytesUploaded = d.size
        }
        return s
    }
}

/// Publishes to an OCI image layout, staged and made visible in one step like a build's output.
struct IndexLayoutPublisher: Sendable {
    var directory: String
    var tag: String

    func publish(_ index: ComposedIndex, work: WorkDirectory) async throws -> PublishStats {
        let writer = try OCILayoutWriter(root: directory)
        var stats = PublishStats()
        do {
            for blob in index.pendingBlobs(targetHost: nil) {
                if writer.hasBlob(blob.descriptor.digest) { stats.blobsSkipped += 1; continue }
                try writer.putBlob(blob.descriptor.digest, fromFile: try await localFile(for: blob, work: work))
                stats.blobsUploaded += 1
                stats.bytesUploaded += blob.descriptor.size
            }
            for c in index.toCopy {
                guard let bytes = c.manifest, !writer.hasBlob(c.descriptor.digest) else { continue }
                try writer.putBlob(c.descriptor.digest, data: bytes)
                stats.manifestsPushed += 1
            }
            try writer.putBlob(index.digest, data: index.bytes)
            try writer.commit(index: Descriptor(mediaType: index.mediaType, digest: index.digest, size: Int64(index.bytes.count)), tag: tag)
            stats.manifestsPushed += 1
        } catch {
            writer.abandon()
            throw error
        }
        return stats
    }
}
