import Foundation
import OCIModel
import RegistryClient

/// Reads the images named on the command line: a manifest is one image, an index contributes its
/// entries. Each image's platform comes from its config, the only place it is certain to be right.
public struct IndexResolver: Sendable {
    /// `--platform` filters; empty keeps every entry.
    public var filters: [PlatformSelector]

    /// Largest config accepted; real configs are a few KiB.
    static let maxConfigSize: Int64 = 8 << 20

    public init(filters: [PlatformSelector] = []) {
        self.filters = filters
    }

    /// What one image contributes, and what the user should hear about it.
    public struct Resolved: Sendable {
        public var candidates: [IndexCandidate]
        public var warnings: [String]
    }

    /// Resolves `reference` (tag or digest) in `source`; `display` names it in messages.
    public func resolve(source: any ImageSource, reference: String, display: String,
                        registryOrigin: ImageReference? = nil) async throws -> Resolved {
        let top = try await source.manifest(reference)
        var warnings: [String] = []
        var found: [IndexCandidate] = []
        if MediaType.isIndex(top.mediaType) {
            let index = try ImageIndex(data: top.bytes)
            for entry in try index.manifests {
                let origin = "\(display)@\(entry.digest)"
                if MediaType.isIndex(entry.mediaType) { throw IndexError.nestedIndex(image: display, digest: entry.digest.description) }
                let fetched = try await source.manifest(entry.digest.description)
                guard Int64(fetched.bytes.count) == entry.size else {
                    throw RegistryError.sizeMismatch(expected: entry.size, actual: Int64(fetched.bytes.count),
                                                     context: "manifest \(entry.digest) listed in \(display)")
                }
                do {
                    var c = try await candidate(fetched, source: source, origin: origin, registryOrigin: registryOrigin)
                    if let listed = entry.platform, let from = c.descriptor.platform, !Self.agree(listed, from) {
                        warnings.append("\(origin): the index says \(listed), its config says \(from); using the config")
                    }
                    // Configs rarely carry os.features (servercore's win32k lives in the index entry), so the
                    // entry's are kept when the config has none.
                    if c.descriptor.platform?.osFeatures == nil, let features = entry.platform?.osFeatures {
                        c.descriptor.platform?.osFeatures = features
                    }
                    // Annotations of the source entry describe the image, so they travel with it.
                    c.descriptor.annotations = entry.annotations?.filter { $0.key != OCILayout.refNameAnnotation }
                    if c.descriptor.annotations?.isEmpty == true { c.descriptor.annotations = nil }
                    found.append(c)
                } catch let IndexError.unsupportedDocument(_, mediaType, _) {
                    // Attestations and other artifacts ride along in many indexes; they are not images to list.
                    warnings.append("\(origin): skipped, not a container image (\(mediaType))")
                }
            }
        } else {
            found.append(try await candidate(top, source: source, origin: display, registryOrigin: registryOrigin))
        }
        guard !filters.isEmpty else { return Resolved(candidates: found, warnings: warnings) }
        let kept = found.filter { c in c.descriptor.platform.map { p in filters.contains { $0.matches(Self.spec(p)) } } ?? false }
        guard !kept.isEmpty else {
            throw IndexError.noMatchingEntries(image: display, filters: filters.map(\.text),
                                               available: found.compactMap { $0.descriptor.platform?.description })
        }
        return Resolved(candidates: kept, warnings: warnings)
    }

    /// One image manifest: its config read for the platform, its blobs listed for copying.
    func candidate(_ fetched: FetchedManifest, source: any ImageSource, origin: String,
                   registryOrigin: ImageReference?) async throws -> IndexCandidate {
        guard MediaType.isImageManifest(fetched.mediaType) else {
            throw IndexError.unsupportedDocument(image: origin, mediaType: fetched.mediaType,
                                                 reason: "only image manifests and indexes can be listed")
        }
        let manifest = try ImageManifest(data: fetched.bytes)
        let configDescriptor = try manifest.config
        guard configDescriptor.mediaType == MediaType.ociConfig || configDescriptor.mediaType == MediaType.dockerConfig else {
            throw IndexError.unsupportedDocument(image: origin, mediaType: configDescriptor.mediaType,
                                                 reason: "its config is not an image config, so no host would run it")
        }
        let config: ImageConfig
        do {
            let data = try await source.blobData(configDescriptor.digest, maxSize: Self.maxConfigSize)
            config = try ImageConfig(data: data)
        } catch let e as OCIModelError {
            throw IndexError.configUnreadable(image: origin, reason: "\(e)")
        }
        let layers = try manifest.layers
        let descriptor = Descriptor(mediaType: fetched.mediaType, digest: fetched.digest, size: Int64(fetched.bytes.count),
                                    platform: config.platform)
        return IndexCandidate(descriptor: descriptor, origin: origin, manifest: fetched.bytes,
                              blobs: [configDescriptor] + layers.filter { !$0.isNonDistributable },
                              source: source, registryOrigin: registryOrigin)
    }

    /// Whether an index entry's platform says the same as the config (os.features aside, which
    /// indexes often carry while configs do not).
    static func agree(_ a: Platform, _ b: Platform) -> Bool {
        func variant(_ p: Platform) -> String? { p.architecture == "arm64" && p.variant == "v8" ? nil : p.variant }
        return a.os == b.os && a.architecture == b.architecture && variant(a) == variant(b) && a.osVersion == b.osVersion
    }

    /// The platform as a build target, for matching `--platform` selectors.
    static func spec(_ p: Platform) -> PlatformSpec {
        let build = p.osVersion.flatMap { try? WindowsVersion(parsing: $0) }?.build
        return PlatformSpec(os: p.os, architecture: p.architecture, variant: p.variant, windowsBuild: build)
    }
}
