/// Media types of the OCI image spec and the Docker image manifest v2, schema 2.
///
/// Kept as plain strings (`MediaType.ociManifest` …) because registries and foreign manifests may carry
/// types this project does not know; unknown types must survive a round trip untouched.
public enum MediaType {
    // OCI image spec v1.1
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociNondistributableLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    public static let ociNondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    public static let ociNondistributableLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    public static let ociLayoutHeader = "application/vnd.oci.layout.header.v1+json"

    // Docker image manifest v2, schema 2
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    public static let dockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd"
    /// Schema 1 manifests are only recognised so they can be rejected with a clear error.
    public static let dockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    public static let dockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json"

    /// Every manifest type we can read, in preference order, for the `Accept` header.
    /// Registries answer 404 for OCI content when the OCI type is missing here (registry 2.8).
    public static let acceptedManifests: [String] = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

    /// True for image indexes and Docker manifest lists.
    public static func isIndex(_ type: String?) -> Bool { type == ociIndex || type == dockerManifestList }

    /// True for single-image manifests (OCI or Docker v2).
    public static func isImageManifest(_ type: String?) -> Bool { type == ociManifest || type == dockerManifest }

    /// Foreign (Docker) and non-distributable (OCI, deprecated) layers: never uploaded by default.
    public static func isNonDistributable(_ type: String) -> Bool {
        type == dockerForeignLayerGzip || type.hasPrefix("application/vnd.oci.image.layer.nondistributable.")
            || type.hasPrefix("application/vnd.docker.image.rootfs.foreign.")
    }

    /// True for any layer media type we recognise (OCI, Docker, foreign, non-distributable).
    public static func isLayer(_ type: String) -> Bool {
        type.hasPrefix("application/vnd.oci.image.layer.") || type.hasPrefix("application/vnd.docker.image.rootfs.")
    }

    /// The family a manifest belongs to, which decides the media types of new layers and of the index.
    public enum Family: String, Sendable, Codable {
        case oci, docker

        public var manifest: String { self == .oci ? MediaType.ociManifest : MediaType.dockerManifest }
        public var index: String { self == .oci ? MediaType.ociIndex : MediaType.dockerManifestList }
        public var config: String { self == .oci ? MediaType.ociConfig : MediaType.dockerConfig }
        public var gzipLayer: String { self == .oci ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip }

        /// The family of a manifest media type; nil when it is neither.
        public init?(manifestType: String?) {
            switch manifestType {
            case MediaType.ociManifest, MediaType.ociIndex: self = .oci
            case MediaType.dockerManifest, MediaType.dockerManifestList: self = .docker
            default: return nil
            }
        }
    }
}
