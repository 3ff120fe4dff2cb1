/// A content descriptor (descriptor.md): what a manifest or index says about a blob or manifest.
///
/// This typed view is for descriptors this project creates or inspects. Descriptors read from a base
/// manifest are also kept as their original JSON (`JSONValue`) so fields we do not model survive.
public struct Descriptor: Hashable, Sendable, Codable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    public var platform: Platform?
    public var artifactType: String?

    public init(mediaType: String, digest: Digest, size: Int64, urls: [String]? = nil,
                annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }

    /// True for foreign / non-distributable layers, whose blobs are never uploaded by default.
    public var isNonDistributable: Bool { MediaType.isNonDistributable(mediaType) }
}
