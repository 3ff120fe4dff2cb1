import Foundation
import OCIModel
import RegistryClient

/// Everything a destination receives: images, their blobs, and the index that ties them together.
struct Publication: Sendable {
    var images: [ComposedImage]
    var bases: [ResolvedBase]
    var index: Data
    var indexDigest: Digest
    var indexMediaType: String
    var cache: BaseBlobCache

    var foreignLayerCount: Int {
        Set(images.flatMap { $0.layers.filter(\.isNonDistributable).map(\.digest) }).count
    }
}

/// Pushes to a registry repository: blobs the registry lacks (HEAD, then mount from the base's
/// repository on the same registry, then upload), then each manifest the registry lacks by digest,
/// then the index by tag. The index goes last so a tag never points at content that is not there.
/// When the tag already resolves to the exact index, nothing at all is sent: a registry stores an
/// index only once every manifest and blob it names is there.
struct RegistryPublisher: Sendable {
    var reference: ImageReference
    var pool: RegistryPool
    /// Blobs in flight at once.
    var concurrency: Int

    func publish(_ pub: Publication, events: @escaping @Sendable (BuildEvent) -> Void) async throws -> PublishStats {
        let name = reference.description
        let client = await pool.client(for: reference)
        let repo = RegistryRepository(client: client, repository: reference.repository)
        var stats = PublishStats()
        stats.foreignLayersSkipped = pub.foreignLayerCount
        let tag = reference.tag ?? "latest"

        if let current = try await client.manifestExists(repository: reference.repository, reference: tag),
           current.digest == pub.indexDigest {
            stats.manifestsSkipped = pub.images.count + 1
            stats.upToDate = true
            events(.upToDate(destination: name, index: pub.indexDigest))
            return stats
        }

        let blobs = pub.images.pendingBlobs(bases: pub.bases)
        try await withThrowingTaskGroup(of: PublishStats.self) { group in
            var next = 0
            func launch() {
                let blob = blobs[next]
                next += 1
                group.addTask { try await transfer(blob, to: repo, cache: pub.cache, name: name, events: events) }
            }
            while next < min(concurrency, blobs.count) { launch() }
            while let s = try await group.next() {
                stats.add(s)
                if next < blobs.count { launch() }
            }
        }
        // An interrupt (SIGINT/SIGTERM cancels the task) must stop here, not push manifests and
        // the tag over blobs that may be incomplete.
        try Task.checkCancellation()
        for image in pub.images {
            try Task.checkCancellation()
            let reference = image.manifestDigest.description
            if try await client.manifestExists(repository: self.reference.repository, reference: reference) != nil {
                stats.manifestsSkipped += 1
                continue
            }
            _ = try await repo.putManifest(image.manifest, mediaType: image.manifestMediaType, reference: reference)
            stats.manifestsPushed += 1
            events(.manifestPushed(destination: name, reference: reference))
        }
        try Task.checkCancellation()
        _ = try await repo.putManifest(pub.index, mediaType: pub.indexMediaType, reference: tag)
        stats.manifestsPushed += 1
        events(.published(destination: name, index: pub.indexDigest))
        return stats
    }

    private func transfer(_ blob: PendingBlob, to repo: RegistryRepository, cache: BaseBlobCache,
                          name: String, events: @escaping @Sendable (BuildEvent) -> Void) async throws -> PublishStats {
        var s = PublishStats()
        let start = ContinuousClock.now
        func finished(_ how: BuildEvent.BlobOutcome) {
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            events(.blobFinished(destination: name, digest: blob.digest, size: blob.size, how: how, seconds: seconds))
        }
        if try await repo.hasBlob(blob.digest) {
            s.blobsSkipped = 1
            finished(.skipped)
            return s
        }
        events(.blobStarted(destination: name, digest: blob.digest, size: blob.size))
        let progress: @Sendable (Int64) -> Void = { sent in
            events(.blobProgress(destination: name, digest: blob.digest, sent: sent, size: blob.size))
        }
        let mounted = try await upload(blob, to: repo, cache: cache, progress: progress)
        if mounted {
            s.blobsMounted = 1
            finished(.mounted)
            return s
        }
        s.uploaded(blob.digest, bytes: blob.size)
        finished(.uploaded)
        return s
    }

    /// Mounts or uploads one blob the registry lacks; true when it was mounted.
    private func upload(_ blob: PendingBlob, to repo: RegistryRepository, cache: BaseBlobCache,
                        progress: @escaping UploadReporter) async throws -> Bool {
        switch blob.origin {
        case let .data(data):
            try await repo.putBlob(blob.digest, data: data)
        case let .file(path):
            try await repo.putBlob(blob.digest, size: blob.size, fromFile: path, progress: progress)
        case let .base(base):
            let sameRegistry = blob.mountCandidates.filter { $0.apiHost == reference.apiHost }.map(\.repository)
            if !sameRegistry.isEmpty,
               try await repo.client.mountBlob(repository: reference.repository, digest: blob.digest, fromAny: sameRegistry) {
                return true
            }
            let path = try await cache.file(for: blob.digest, from: base)
            try await repo.putBlob(blob.digest, size: blob.size, fromFile: path, progress: progress)
        }
        return false
    }
}

/// Writes to an OCI image layout. The writer stages everything and makes it visible in one
/// rename, so readers never see an index.json that names missing blobs.
struct LayoutPublisher: Sendable {
    var directory: String
    var tag: String

    func publish(_ pub: Publication, events: @escaping @Sendable (BuildEvent) -> Void) async throws -> PublishStats {
        var stats = PublishStats()
        stats.foreignLayersSkipped = pub.foreignLayerCount
        let destination = "oci:\(directory):\(tag)"
        let existing = OCILayout(root: directory)
        if let current = try? existing.resolve(tag: tag), current.digest == pub.indexDigest, existing.hasBlob(pub.indexDigest) {
            stats.manifestsSkipped = pub.images.count + 1
            stats.upToDate = true
            events(.upToDate(destination: destination, index: pub.indexDigest))
            return stats
        }
        let writer = try OCILayoutWriter(root: directory)
        do {
            for blob in pub.images.pendingBlobs(bases: pub.bases) {
                try Task.checkCancellation()
                if writer.hasBlob(blob.digest) { stats.blobsSkipped += 1; continue }
                switch blob.origin {
                case let .data(data): try writer.putBlob(blob.digest, data: data)
                case let .file(path): try writer.putBlob(blob.digest, fromFile: path)
                case let .base(base): try writer.putBlob(blob.digest, fromFile: try await pub.cache.file(for: blob.digest, from: base))
                }
                stats.uploaded(blob.digest, bytes: blob.size)
            }
            for image in pub.images where !writer.hasBlob(image.manifestDigest) {
                try writer.putBlob(image.manifestDigest, data: image.manifest)
                stats.manifestsPushed += 1
            }
            try writer.putBlob(pub.indexDigest, data: pub.index)
            // Interrupted (SIGINT/SIGTERM): abandon the staged layout rather than publish it.
            try Task.checkCancellation()
            try writer.commit(index: Descriptor(mediaType: pub.indexMediaType, digest: pub.indexDigest, size: Int64(pub.index.count)), tag: tag)
            stats.manifestsPushed += 1
        } catch {
            writer.abandon()
            throw error
        }
        events(.published(destination: destination, index: pub.indexDigest))
        return stats
    }
}
