import Foundation
import OCIModel
import RegistryClient

/// What `winimg lint` looks at: the top document and, per entry, the descriptor, manifest and config.
public struct LintSubject: Sendable {
    /// The reference as the user wrote it.
    public var reference: String
    /// Digest of the top-level document.
    public var digest: Digest
    public var mediaType: String
    /// False for a single-image manifest (then `entries` has one element).
    public var isIndex: Bool
    public var entries: [LintEntry]

    public init(reference: String, digest: Digest, mediaType: String, isIndex: Bool, entries: [LintEntry]) {
        self.reference = reference
        self.digest = digest
        self.mediaType = mediaType
        self.isIndex = isIndex
        self.entries = entries
    }

    /// The same content as `winimg inspect` reports it.
    public var inspection: Inspection {
        Inspection(reference: reference, digest: digest, mediaType: mediaType, isIndex: isIndex, images: entries.map(\.image))
    }
}

/// One entry of an index (or the single manifest).
public struct LintEntry: Sendable {
    /// Platforms, digests and layer totals as `inspect` shows them.
    public var image: InspectedImage
    /// The index entry (for a single manifest: a descriptor of it, without platform).
    public var descriptor: Descriptor
    /// `artifactType` of the entry or of the manifest body.
    public var artifactType: String?
    /// Media type of the manifest's config descriptor; nil for a nested index.
    public var configMediaType: String?
    /// The manifest's layer descriptors.
    public var layers: [Descriptor]
    /// The image config, when the config is an OCI or Docker image config.
    public var config: ImageConfig?

    public init(image: InspectedImage, descriptor: Descriptor, artifactType: String? = nil, configMediaType: String? = nil,
                layers: [Descriptor] = [], config: ImageConfig? = nil) {
        self.image = image
        self.descriptor = descriptor
        self.artifactType = artifactType
        self.configMediaType = configMediaType
        self.layers = layers
        self.config = config
    }

    public var isNestedIndex: Bool { MediaType.isIndex(descriptor.mediaType) }

    /// An attestation (BuildKit provenance/SBOM): annotated as one, platform `unknown/unknown`, or
    /// an image manifest whose "layers" are not filesystem layers (in-toto statements).
    public var isAttestation: Bool {
        if referenceType != nil { return true }
        if let p = platform, p.os == "unknown", p.architecture == "unknown" { return true }
        return !isNestedIndex && !layers.isEmpty && layers.contains { !MediaType.isLayer($0.mediaType) }
    }

    /// A container image a runtime can run: an image manifest with an image config, filesystem
    /// layers only, no artifact type, and not an attestation.
    public var isContainerImage: Bool {
        !isNestedIndex && config != nil && artifactType == nil && !isAttestation
    }

    /// The platform that decides selection: the index entry's, or the config's for a lone manifest.
    public var platform: Platform? { image.entryPlatform ?? image.configPlatform }

    /// True when the entry says it is a Windows image (index platform, else config).
    public var isWindows: Bool { platform?.isWindows ?? false }

    /// `#2 windows/amd64 10.0.20348.2762` for messages.
    public var label: String {
        let position = image.position.map { "#\($0) " } ?? ""
        return position + Inspection.platformText(platform)
    }

    /// The `vnd.docker.reference.type` annotation BuildKit puts on attestation entries.
    public var referenceType: String? { descriptor.annotations?["vnd.docker.reference.type"] }
}
