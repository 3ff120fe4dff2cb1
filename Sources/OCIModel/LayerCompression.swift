/// How a layer blob is compressed.
///
/// gzip is the default and the only choice for Windows images and Docker-typed manifests;
/// zstd (`linux/amd64+zstd`) needs OCI media types and a runtime that reads it (containerd ≥ 1.5).
public enum LayerCompression: String, Sendable, Hashable, Codable, CaseIterable {
    case gzip
    case zstd

    /// The OCI layer media type for this compression.
    public var ociMediaType: String {
        switch self {
        case .gzip: MediaType.ociLayerGzip
        case .zstd: MediaType.ociLayerZstd
        }
    }

    /// The usual file name suffix of such a layer (`tar.gz`, `tar.zst`).
    public var fileExtension: String {
        switch self {
        case .gzip: "tar.gz"
        case .zstd: "tar.zst"
        }
    }
}
