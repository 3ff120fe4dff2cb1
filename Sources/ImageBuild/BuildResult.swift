import OCIModel
import RegistryClient

/// What a build produced, printed by `--format json`.
public struct BuildResult: Sendable, Codable, Equatable {
    public struct IndexInfo: Sendable, Codable, Equatable {
        public var mediaType: String
        public var digest: String
        public var size: Int64
    }
    public struct PlatformResult: Sendable, Codable, Equatable {
        /// `os/arch[/variant]`.
        public var platform: String
        public var osVersion: String?
        public var osFeatures: [String]?
        public var manifest: String
        public var config: String
        /// The base actually used, pinned by digest.
        public var base: String
        public var layers: Int
        /// Digest of the layer winimg built for this platform (shared digests mean one shared layer).
        public var newLayer: String?
    }
    /// A layer winimg built (or took from the layer cache), once per distinct content.
    public struct LayerResult: Sendable, Codable, Equatable {
        /// `windows` or `linux`.
        public var format: String
        public var digest: String
        public var diffID: String
        public var size: Int64
        /// `hit` (from the layer cache, nothing tarred or compressed), `miss` (built and remembered)
        /// or `off` (built; the cache was not used).
        public var cache: String
        /// Bytes of this layer sent, over all destinations (0 when every registry already had it).
        public var bytesUploaded: Int64
    }
    public var index: IndexInfo
    public var destinations: [String]
    public var platforms: [PlatformResult]
    /// Distinct layers built (equal layers across platforms are built once; layer cache hits are not built).
    public var layersBuilt: Int
    /// The new layers, in the order they were first needed.
    public var layers: [LayerResult]
    /// Destinations whose tag already pointed at this exact index: nothing was sent to them.
    public var upToDate: [String]
    public var transfer: PublishStats
    /// Files taken from other images (`copy-from`).
    public var copyFrom = CopyFromStats()
    /// HTTP requests and body bytes over all registries used (bases and destinations).
    public var network: TransferStats
}

/// What `copy-from` read: files taken, compressed layer bytes streamed, entries served from the cache.
public struct CopyFromStats: Sendable, Codable, Equatable {
    /// Layer entries taken: files, links and the folders of copied trees.
    public var files = 0
    public var layerBytesRead: Int64 = 0
    public var cacheHits = 0
    public init() {}
}
