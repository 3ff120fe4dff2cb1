import Foundation
import OCIModel
import RegistryClient

/// Runs `winimg index create` / `append`: reads every image (and, to append, the target's index),
/// checks everything, and only then copies the images into the target and writes the index.
public struct IndexAssembler: Sendable {
    public var registryOptions: RegistryOptions
    /// Blob transfers in flight at once.
    public var concurrency: Int
    /// Warnings as they arise (the CLI prints them to stderr); they are also in the result.
    public var warn: @Sendable (String) -> Void

    public init(registryOptions: RegistryOptions, concurrency: Int = Builder.defaultConcurrency,
                warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.registryOptions = registryOptions
        self.concurrency = max(1, concurrency)
        self.warn = warn
    }

    public func run(_ request: IndexRequest) async throws -> IndexResult {
        try await WorkDirectory.withPool(options: registryOptions) { pool, work in try await run(request, pool: pool, work: work) }
    }

    private func run(_ request: IndexRequest, pool: RegistryPool, work: WorkDirectory) async throws -> IndexResult {
        let target = try Self.checkTarget(request.target)
        guard !request.images.isEmpty else { throw IndexError.noImages }
        if case let .registry(ref) = target, !request.dryRun { try await pool.client(for: ref).ping() }

        // 1. Read everything; nothing is written until all of it checks out.
        let existing = request.mode == .append ? try await readExisting(target, pool: pool) : nil
        let resolver = IndexResolver(filters: request.filters)
        var candidates: [IndexCandidate] = []
        var warnings: [String] = []
        for (text, location) in request.images {
            let (source, reference, origin) = try await Self.open(location, text: text, pool: pool)
            let resolved = try await resolver.resolve(source: source, reference: reference, display: text, registryOrigin: origin)
            resolved.warnings.forEach(warn)
            warnings += resolved.warnings
            candidates += resolved.candidates
        }
        for f in request.filters where !candidates.contains(where: { c in c.descriptor.platform.map { f.matches(IndexResolver.spec($0)) } ?? false }) {
            throw IndexError.filterMatchedNothing(f.text)
        }
        for c in candidates where c.descriptor.platform?.isWindows == true && c.descriptor.platform?.osVersion == nil {
            let w = "\(c.origin): Windows image without os.version in its config; every Windows host will consider it, whatever its build"
            warn(w)
            warnings.append(w)
        }
        let composed = try IndexComposition.compose(existing: existing, new: candidates, indexType: request.indexType,
                                                    replace: request.replace, annotations: request.annotations)

        // 2. Write: images first, the index last.
        var transfer: PublishStats?
        if !request.dryRun {
            switch target {
            case let .registry(ref):
                let repo = RegistryRepository(client: await pool.client(for: ref), repository: ref.repository)
                transfer = try await IndexRegistryPublisher(reference: ref, repository: repo, concurrency: concurrency).publish(composed, work: work)
            case let .layout(dir, tag):
                transfer = try await IndexLayoutPublisher(directory: dir, tag: tag ?? "latest").publish(composed, work: work)
            case .scratch:
                throw BuildError.invalidLocation("scratch", reason: "scratch cannot be a target")
            }
        }
        return IndexResult(composed: composed, target: Self.display(target), mode: request.mode, warnings: warnings,
                           dryRun: request.dryRun, transfer: transfer)
    }

    /// The target with a tag: an index is published under one.
    static func checkTarget(_ target: ImageLocation) throws -> ImageLocation {
        switch target {
        case .scratch:
            throw BuildError.invalidLocation("scratch", reason: "scratch cannot be a target; give REGISTRY/REPO:TAG or oci:DIR:TAG")
        case let .registry(ref):
            if ref.digest != nil { throw IndexError.targetHasNoTag(ref.description) }
            return target
        case .layout:
            return target
        }
    }

    static func display(_ target: ImageLocation) -> String {
        if case let .layout(dir, tag) = target { return "oci:\(dir):\(tag ?? "latest")" }
        return target.description
    }

    /// A source, the reference to read in it, and its registry repository (for mounts).
    static func open(_ location: ImageLocation, text: String, pool: RegistryPool) async throws -> (any ImageSource, String, ImageReference?) {
        switch location {
        case .scratch:
            throw BuildError.invalidLocation(text, reason: "scratch is no image to list; name a registry image or oci:DIR[:TAG]")
        case let .layout(dir, tag):
            let layout = OCILayout(root: dir)
            return (OCILayoutSource(layout: layout), try tag ?? layout.resolve(tag: nil).digest.description, nil)
        case let .registry(ref):
            return (RegistryRepository(client: await pool.client(for: ref), repository: ref.repository), ref.reference, ref)
        }
    }

    /// The index `append` adds to; its entries are kept exactly as written.
    func readExisting(_ target: ImageLocation, pool: RegistryPool) async throws -> IndexComposition.Existing {
        let name = Self.display(target)
        let fetched: FetchedManifest
        switch target {
        case let .registry(ref):
            let repo = RegistryRepository(client: await pool.client(for: ref), repository: ref.repository)
            guard try await repo.client.manifestExists(repository: ref.repository, reference: ref.reference) != nil else {
                throw IndexError.targetMissing(name)
            }
            fetched = try await repo.manifest(ref.reference)
        case let .layout(dir, tag):
            let layout = OCILayout(root: dir)
            guard FileManager.default.fileExists(atPath: dir + "/index.json"),
                  (try layout.entries()).contains(where: { $0.annotations?[OCILayout.refNameAnnotation] == (tag ?? "latest") }) else {
                throw IndexError.targetMissing(name)
            }
            fetched = try await OCILayoutSource(layout: layout).manifest(tag ?? "latest")
        case .scratch:
            throw BuildError.invalidLocation("scratch", reason: "scratch cannot be a target")
        }
        guard MediaType.isIndex(fetched.mediaType) else { throw IndexError.targetNotAnIndex(name, mediaType: fetched.mediaType) }
        let index = try ImageIndex(data: fetched.bytes)
        let entries = try (index.json["manifests"]?.arrayValue ?? []).enumerated().map {
            try IndexCandidate.existing($1, position: $0, target: name)
        }
        return IndexComposition.Existing(entries: entries, mediaType: fetched.mediaType,
                                         annotations: index.json["annotations"]?.objectValue?.stringDictionary, json: index.json)
    }
}
