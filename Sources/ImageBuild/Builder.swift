import Foundation
import LayerBuilder
import OCIModel
import RegistryClient

/// Runs a `BuildPlan`: resolves bases, builds each distinct layer once, composes every image,
/// assembles the index and publishes it to each destination.
public struct Builder: Sendable {
    public var plan: BuildPlan
    public var registryOptions: RegistryOptions
    /// Blob transfers in flight at once per destination.
    public var concurrency: Int
    /// Receives progress events (the CLI renders them; tests may collect them).
    public var events: @Sendable (BuildEvent) -> Void
    /// Where built layers are kept between builds; nil builds every layer afresh. The CLI opens one
    /// in the user's cache directory unless `--no-cache` is given.
    public var layerCache: LayerCache?

    /// Default transfer concurrency: uploads wait on the network, not the CPU, so a few more than
    /// the two cores of a typical CI runner keep the link busy without thrashing the disk.
    public static let defaultConcurrency = 4

    public init(plan: BuildPlan, registryOptions: RegistryOptions, concurrency: Int = Builder.defaultConcurrency,
                layerCache: LayerCache? = nil, events: @escaping @Sendable (BuildEvent) -> Void = { _ in }) {
        self.plan = plan
        self.registryOptions = registryOptions
        self.concurrency = max(1, concurrency)
        self.layerCache = layerCache
        self.events = events
    }

    /// RFC 3339 time of `SOURCE_DATE_EPOCH` (or 0), used for every `created` field.
    static func timestamp(_ epoch: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    public func run() async throws -> BuildResult {
        var options = registryOptions
        options.insecureHosts.formUnion(plan.insecureRegistries)
        return try await WorkDirectory.withPool(options: options) { pool, work in try await run(pool: pool, work: work) }
    }

    private func run(pool: RegistryPool, work: WorkDirectory) async throws -> BuildResult {
        let created = Self.timestamp(plan.epoch)

        // 1. Destinations reachable (fail before any work), then bases, all platforms at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for case let .registry(ref) in plan.destinations {
                group.addTask { try await pool.client(for: ref).ping() }
            }
            try await group.waitForAll()
        }
        let resolver = BaseResolver(pool: pool, created: created)
        let bases = try await withThrowingTaskGroup(of: (Int, ResolvedBase).self) { group in
            for (i, p) in plan.platforms.enumerated() {
                group.addTask { (i, try await resolver.resolve(p.base, for: p.platform)) }
            }
            var out = [ResolvedBase?](repeating: nil, count: plan.platforms.count)
            for try await (i, b) in group { out[i] = b }
            return out.map { $0! }
        }
        for (p, b) in zip(plan.platforms, bases) { events(.baseResolved(platform: p.platform.description, pinned: b.pinned)) }

        // Files from other images join each platform's entries (streamed from their layers, or cached).
        var prepared = plan
        var copyStats = CopyFromStats()
        let copier = CopyFromImages(cacheRoot: prepared.cacheDirectory, created: created)
        for i in prepared.platforms.indices {
            for copy in prepared.platforms[i].copies {
                let outcome = try await copier.entries(for: copy, platform: prepared.platforms[i].platform, pool: pool)
                prepared.platforms[i].entries = try CopyPlacement.merge(outcome.entries, into: prepared.platforms[i].entries,
                                                                        windows: prepared.platforms[i].platform.os == "windows",
                                                                        image: copy.image.description)
                copyStats.files += outcome.entries.count
                copyStats.layerBytesRead += outcome.layerBytesRead
                if outcome.cached { copyStats.cacheHits += 1 }
                events(.copiedFromImage(platform: prepared.platforms[i].platform.description, image: copy.image.description,
                                        files: outcome.entries.count, layerBytesRead: outcome.layerBytesRead, cached: outcome.cached))
            }
        }

        // A zstd layer cannot go on a Docker-typed base: refuse before spending time on layers.
        for (p, b) in zip(prepared.platforms, bases) where p.platform.compression == .zstd && !p.entries.isEmpty && b.family != .oci {
            throw Composer.zstdNeedsOCI(plan: p, base: b)
        }

        // 2. Layers: one build per distinct content, or none when the layer cache has it.
        var built: [LayerKey: BuiltLayer] = [:]
        var layerResults: [BuildResult.LayerResult] = []
        for p in prepared.platforms where !p.entries.isEmpty && built[p.layerKey] == nil {
            var options = LayerOptions(format: p.layerKey.format, mtime: prepared.epoch)
            options.compression = p.layerKey.compression
            let format = p.layerKey.format.rawValue
            let layer: BuiltLayer
            let cacheState: String
            if let layerCache {
                let found = try layerCache.layer(entries: p.entries, options: options) { path in
                    try LayerWriter.build(entries: p.entries, options: options, to: path)
                }
                for notice in found.notices { events(.cacheNotice(notice)) }
                layer = found.layer
                cacheState = found.hit ? "hit" : "miss"
            } else {
                let path = work.path("layer-\(built.count).\(p.layerKey.compression.fileExtension)")
                layer = try LayerWriter.build(entries: p.entries, options: options, to: path)
                cacheState = "off"
            }
            built[p.layerKey] = layer
            layerResults.append(.init(format: format, digest: layer.digest.description, diffID: layer.diffID.description,
                                      size: layer.size, cache: cacheState, bytesUploaded: 0))
            if cacheState == "hit" {
                events(.layerCached(format: format, digest: layer.digest, size: layer.size, diffID: layer.diffID))
            } else {
                events(.layerBuilt(format: format, digest: layer.digest, size: layer.size, diffID: layer.diffID))
            }
        }

        // 3. Images and index.
        let composer = Composer(created: created, labels: prepared.labels, user: prepared.user, workdir: prepared.workdir)
        let images = try zip(prepared.platforms, bases).map { p, b in
            try composer.compose(plan: p, base: b, layer: p.entries.isEmpty ? nil : built[p.layerKey])
        }
        let allDocker = bases.allSatisfy { $0.family == .docker }
        let indexType = allDocker ? MediaType.dockerManifestList : MediaType.ociIndex
        let index = ImageIndex.make(mediaType: indexType, manifests: images.map {
            Descriptor(mediaType: $0.manifestMediaType, digest: $0.manifestDigest, size: Int64($0.manifest.count), platform: $0.platform)
        })
        let indexData = index.encoded()
        let publication = Publication(images: images, bases: bases, index: indexData, indexDigest: SHA256Digest.of(indexData),
                                      indexMediaType: indexType, cache: BaseBlobCache(directory: work.path("bases")))

        // 4. Destinations, one after another, each complete before the next.
        var stats = PublishStats()
        var upToDate: [String] = []
        for dest in prepared.destinations {
            let s: PublishStats
            switch dest {
            case let .registry(ref):
                s = try await RegistryPublisher(reference: ref, pool: pool, concurrency: concurrency).publish(publication, events: events)
            case let .layout(dir, tag):
                s = try await LayoutPublisher(directory: dir, tag: tag ?? "latest").publish(publication, events: events)
            case .scratch:
                throw BuildError.invalidLocation("scratch", reason: "scratch cannot be a destination; give -t REGISTRY/REPO:TAG or -t oci:DIR[:TAG]")
            }
            if s.upToDate { upToDate.append(dest.description) }
            stats.add(s)
        }
        for i in layerResults.indices {
            layerResults[i].bytesUploaded = (try? Digest(layerResults[i].digest)).flatMap { stats.bytesUploadedByDigest[$0] } ?? 0
        }
        if let layerCache {
            // Over the size limit: drop the least recently used blobs, never the ones just used.
            let eviction = layerCache.evict(keeping: Set(built.values.map(\.digest)))
            if eviction.blobsRemoved > 0 {
                events(.cacheNotice("removed \(eviction.blobsRemoved) least recently used layer(s) (\(ByteCount(eviction.bytesRemoved))) to stay within \(ByteCount(layerCache.maxBytes))"))
            }
        }

        return BuildResult(
            index: .init(mediaType: indexType, digest: publication.indexDigest.description, size: Int64(indexData.count)),
            destinations: prepared.destinations.map(\.description),
            platforms: zip(images, bases).map { image, base in
                .init(platform: image.platform.osArchVariant, osVersion: image.platform.osVersion, osFeatures: image.platform.osFeatures,
                      manifest: image.manifestDigest.description, config: image.configDigest.description, base: base.pinned,
                      layers: image.layers.count, newLayer: image.newLayer?.digest.description)
            },
            layersBuilt: layerResults.filter { $0.cache != "hit" }.count,
            layers: layerResults,
            upToDate: upToDate,
            transfer: stats,
            copyFrom: copyStats,
            network: await pool.stats())
    }
}

/// A private scratch directory for built layers and fetched base blobs, removed after the build.
struct WorkDirectory: Sendable {
    let root: String

    init() throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
        root = (base as NSString).appendingPathComponent("winimg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: (root as NSString).appendingPathComponent("bases"), withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Runs `body` with a fresh registry pool and scratch directory, shutting the pool down and
    /// removing the directory however it ends.
    static func withPool<T>(options: RegistryOptions, _ body: (RegistryPool, WorkDirectory) async throws -> T) async throws -> T {
        let pool = RegistryPool(options: options)
        let work = try WorkDirectory()
        do {
            let result = try await body(pool, work)
            await pool.shutdown()
            work.remove()
            return result
        } catch {
            await pool.shutdown()
            work.remove()
            throw error
        }
    }
}
