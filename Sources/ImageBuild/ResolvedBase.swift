import Foundation
import OCIModel
import RegistryClient

/// A base image chosen for one platform, pinned by digest, with its exact manifest and config.
public struct ResolvedBase: Sendable {
    /// What the user wrote.
    public var location: ImageLocation
    /// The same location pinned to the manifest digest actually used (`…@sha256:…`).
    public var pinned: String
    /// Where the base's blobs can be read; nil for scratch.
    public var source: (any ImageSource)?
    /// For registry bases: the repository, so a destination on the same registry can mount blobs.
    public var registryOrigin: ImageReference?
    public var manifest: ImageManifest?
    public var manifestDigest: Digest?
    public var config: ImageConfig
    public var configMediaType: String
    /// The `platform` of the index entry the manifest was chosen from, if it came from an index.
    public var entryPlatform: Platform?
    /// Media type family of the base manifest; new layers and descriptors follow it.
    public var family: MediaType.Family
}

/// Resolves `ImageLocation`s to concrete base images for a platform.
public struct BaseResolver: Sendable {
    public let pool: RegistryPool
    /// `created` for configs made from scratch.
    public let created: String

    public init(pool: RegistryPool, created: String) {
        self.pool = pool
        self.created = created
    }

    /// Largest config blob accepted; real configs are a few KiB.
    static let maxConfigSize: Int64 = 8 << 20

    public func resolve(_ location: ImageLocation, for platform: PlatformSpec) async throws -> ResolvedBase {
        let source: any ImageSource
        var origin: ImageReference?
        let topReference: String
        switch location {
        case .scratch:
            let p = Platform(os: platform.os, architecture: platform.architecture, variant: platform.variant)
            return ResolvedBase(location: location, pinned: "scratch", source: nil, registryOrigin: nil, manifest: nil,
                                manifestDigest: nil, config: ImageConfig.scratch(platform: p, created: created),
                                configMediaType: MediaType.ociConfig, entryPlatform: nil, family: .oci)
        case let .layout(dir, tag):
            let layout = OCILayout(root: dir)
            source = OCILayoutSource(layout: layout)
            topReference = try tag ?? layout.resolve(tag: nil).digest.description
        case let .registry(ref):
            source = RegistryRepository(client: await pool.client(for: ref), repository: ref.repository)
            origin = ref
            topReference = ref.reference
        }

        var fetched = try await source.manifest(topReference)
        var entryPlatform: Platform?
        // Follow indexes (nested ones too, as in some layouts) down to the image for this platform.
        for _ in 0..<4 where MediaType.isIndex(fetched.mediaType) {
            let index = try Self.parsing("index", base: location.description, platform: platform) { try ImageIndex(data: fetched.bytes) }
            let entry = try Self.choose(from: try index.manifests, for: platform, base: location.description)
            entryPlatform = entry.platform ?? entryPlatform
            fetched = try await source.manifest(entry.digest.description)
            try Self.requireSize(fetched.bytes.count, of: entry, what: "manifest", base: location.description)
        }
        guard MediaType.isImageManifest(fetched.mediaType) else {
            throw BuildError.baseMismatch(base: location.description, platform: platform.description,
                                          reason: "it is not an image manifest (media type \(fetched.mediaType))")
        }
        let manifest = try Self.parsing("manifest", base: location.description, platform: platform) { try ImageManifest(data: fetched.bytes) }
        let configDescriptor = try manifest.config
        let configData = try await source.blobData(configDescriptor.digest, maxSize: Self.maxConfigSize)
        try Self.requireSize(configData.count, of: configDescriptor, what: "config", base: location.description)
        let config = try Self.parsing("config", base: location.description, platform: platform) { try ImageConfig(data: configData) }
        try Self.check(config: config, against: platform, base: location.description)

        let pinned: String
        switch location {
        case let .registry(ref): pinned = ref.withTag(nil).withDigest(fetched.digest).description
        case let .layout(dir, _): pinned = "oci:\(dir)@\(fetched.digest)"
        case .scratch: pinned = "scratch"
        }
        return ResolvedBase(location: location, pinned: pinned, source: source, registryOrigin: origin,
                            manifest: manifest, manifestDigest: fetched.digest, config: config,
                            configMediaType: configDescriptor.mediaType, entryPlatform: entryPlatform,
                            family: MediaType.Family(manifestType: fetched.mediaType) ?? .oci)
    }

    /// A descriptor's size is part of what it promises (image-spec descriptor.md): content whose
    /// length differs is refused even when its digest matches.
    /// Parses one of the base's documents, naming the base and the document when it is malformed
    /// (the model's own error knows neither).
    static func parsing<T>(_ what: String, base: String, platform: PlatformSpec, _ parse: () throws -> T) throws -> T {
        do { return try parse() } catch let e as OCIModelError {
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "its \(what) is malformed (\(e)); copy the base again or use another one")
        }
    }

    static func requireSize(_ actual: Int, of descriptor: Descriptor, what: String, base: String) throws {
        guard Int64(actual) != descriptor.size else { return }
        throw RegistryError.sizeMismatch(expected: descriptor.size, actual: Int64(actual),
                                         context: "\(what) \(descriptor.digest) of base \(base)")
    }

    /// Picks the index entry for `platform`: same OS and architecture, same variant when asked, and
    /// for Windows the same build (the highest revision of it, or the exact version when one was given).
    static func choose(from entries: [Descriptor], for platform: PlatformSpec, base: String) throws -> Descriptor {
        let sameArch = entries.filter { d in
            guard let p = d.platform, p.os == platform.os, p.architecture == platform.architecture else { return false }
            if let v = platform.variant { return p.variant == v || (p.variant == nil && platform.architecture == "arm64" && v == "v8") }
            return true
        }
        var candidates = sameArch
        if platform.os == "windows" {
            let withBuild = sameArch.filter { d in
                guard let v = d.platform?.osVersion, let parsed = try? WindowsVersion(parsing: v) else { return false }
                return parsed.build == platform.windowsBuild
            }
            if let exact = platform.requestedVersion {
                candidates = withBuild.filter { $0.platform?.osVersion == exact }
            } else {
                // Newest revision of the build first; entries without os.version only as a last resort.
                candidates = withBuild.sorted { a, b in
                    let ra = (try? WindowsVersion(parsing: a.platform?.osVersion ?? ""))?.revision ?? 0
                    let rb = (try? WindowsVersion(parsing: b.platform?.osVersion ?? ""))?.revision ?? 0
                    return ra > rb
                }
                if candidates.isEmpty { candidates = sameArch.filter { $0.platform?.osVersion == nil } }
            }
        } else if platform.variant == nil, Set(sameArch.map { $0.platform?.variant }).count > 1 {
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "it has several variants of \(platform.architecture) (\(sameArch.compactMap { $0.platform?.variant }.joined(separator: ", "))); add the variant to the platform, e.g. linux/arm/v7")
        }
        guard let chosen = candidates.first else {
            throw BuildError.baseHasNoEntry(base: base, platform: platform.description,
                                            available: entries.compactMap { $0.platform?.description })
        }
        return chosen
    }

    /// The base config must describe the platform we build: same OS and architecture, and for
    /// Windows the same build, since a Windows node only runs images of its own build.
    static func check(config: ImageConfig, against platform: PlatformSpec, base: String) throws {
        guard config.os == platform.os else {
            throw BuildError.baseMismatch(base: base, platform: platform.description, reason: "its config says os \(config.os); use a \(platform.os) base for this platform")
        }
        guard config.architecture == platform.architecture else {
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "its config says architecture \(config.architecture)")
        }
        guard platform.os == "windows" else { return }
        guard let v = config.osVersion else {
            if platform.requestedVersion != nil { return }
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "its config has no os.version, so no Windows host could select it; give the full version in the platform (windows/amd64:10.0.BUILD.REV) or use a current base")
        }
        let parsed = try WindowsVersion(parsing: v)
        if let exact = platform.requestedVersion, exact != v {
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "it is \(v), not the \(exact) the platform asks for; write the platform with the release or build (windows/amd64:\(parsed.build)) to accept any revision")
        }
        guard parsed.build == platform.windowsBuild else {
            throw BuildError.baseMismatch(base: base, platform: platform.description,
                                          reason: "it is Windows build \(parsed.build) (\(v)), not \(platform.windowsBuild.map(String.init) ?? "?"); use the base for that release")
        }
    }
}
