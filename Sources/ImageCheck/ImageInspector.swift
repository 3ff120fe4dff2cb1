import Foundation
import ImageBuild
import OCIModel
import RegistryClient

/// Reads an index or manifest and, for each image, its manifest and config from an `ImageSource`.
public struct ImageInspector: Sendable {
    public let source: any ImageSource

    /// Largest config accepted; real configs are a few KiB.
    static let maxConfigSize: Int64 = 8 << 20

    public init(source: any ImageSource) {
        self.source = source
    }

    /// Opens a registry reference or `oci:DIR[:TAG]` location; registry clients come from `pool`.
    /// - Returns: the source and the reference (tag or digest) to inspect in it.
    /// - Throws: `CheckError.unsupportedDocument` for `scratch`, layout errors when a layout has no
    ///   such tag (or several entries and none named).
    public static func open(_ location: ImageLocation, pool: RegistryPool) async throws -> (ImageInspector, String) {
        switch location {
        case .scratch:
            throw CheckError.unsupportedDocument("scratch", mediaType: "")
        case let .layout(dir, tag):
            let layout = OCILayout(root: dir)
            let reference = try tag ?? layout.resolve(tag: nil).digest.description
            return (ImageInspector(source: OCILayoutSource(layout: layout)), reference)
        case let .registry(ref):
            let repo = RegistryRepository(client: await pool.client(for: ref), repository: ref.repository)
            return (ImageInspector(source: repo), ref.reference)
        }
    }

    /// Fetches `reference` (tag or digest) and every image below it; `display` names it in the result.
    public func inspect(_ reference: String, display: String) async throws -> Inspection {
        let top = try await source.manifest(reference)
        if MediaType.isIndex(top.mediaType) {
            let index = try ImageIndex(data: top.bytes)
            var images: [InspectedImage] = []
            for (i, entry) in try index.manifests.enumerated() {
                images.append(try await image(entry, position: i))
            }
            return Inspection(reference: display, digest: top.digest, mediaType: top.mediaType, isIndex: true, images: images)
        }
        guard MediaType.isImageManifest(top.mediaType) else {
            throw CheckError.unsupportedDocument(display, mediaType: top.mediaType)
        }
        let d = Descriptor(mediaType: top.mediaType, digest: top.digest, size: Int64(top.bytes.count))
        let single = try await image(d, position: nil, bytes: top.bytes)
        return Inspection(reference: display, digest: top.digest, mediaType: top.mediaType, isIndex: false, images: [single])
    }

    /// One entry: nested indexes and non-image manifests are reported, not followed.
    func image(_ entry: Descriptor, position: Int?, bytes: Data? = nil) async throws -> InspectedImage {
        try await imageAndConfig(entry, position: position, bytes: bytes).image
    }

    /// `image(_:position:bytes:)` and the parsed image config (nil for nested indexes and
    /// artifacts), so callers that need the config do not fetch it twice.
    func imageAndConfig(_ entry: Descriptor, position: Int?, bytes: Data? = nil) async throws -> (image: InspectedImage, config: ImageConfig?) {
        var result = InspectedImage(position: position, entryPlatform: entry.platform, manifestDigest: entry.digest,
                                    manifestMediaType: entry.mediaType, manifestSize: entry.size, configDigest: nil,
                                    configPlatform: nil, layerCount: 0, totalLayerSize: 0, foreignLayers: [],
                                    problems: [], note: nil)
        if MediaType.isIndex(entry.mediaType) {
            result.note = "nested index; inspect it by digest (\(entry.digest))"
            result.problems = InspectedImage.problems(entry: entry.platform, config: nil)
            return (result, nil)
        }
        let body: Data
        if let bytes { body = bytes } else { body = try await source.manifest(entry.digest.description).bytes }
        let manifest = try ImageManifest(data: body)
        let config = try manifest.config
        let layers = try manifest.layers
        result.configDigest = config.digest
        result.layerCount = layers.count
        result.totalLayerSize = layers.reduce(0) { $0 + $1.size }
        result.foreignLayers = layers.filter { $0.isNonDistributable || !($0.urls ?? []).isEmpty }.map {
            ForeignLayer(digest: $0.digest, size: $0.size, mediaType: $0.mediaType, urls: $0.urls ?? [])
        }
        var imageConfig: ImageConfig?
        if config.mediaType == MediaType.ociConfig || config.mediaType == MediaType.dockerConfig {
            let configData = try await source.blobData(config.digest, maxSize: Self.maxConfigSize)
            imageConfig = try ImageConfig(data: configData)
            result.configPlatform = imageConfig?.platform
        } else {
            result.note = "not a container image (config \(config.mediaType)); containerd never runs it"
        }
        result.problems = InspectedImage.problems(entry: entry.platform, config: result.configPlatform)
        return (result, imageConfig)
    }
}
