import OCIModel

/// What `winimg index create` / `append` was asked to do.
public struct IndexRequest: Sendable {
    public enum Mode: String, Sendable, Codable {
        /// A new index from the images (replacing whatever the tag pointed at).
        case create
        /// The images added to the index the target already holds.
        case append
    }

    public var mode: Mode
    /// Where the index goes: a registry tag or `oci:DIR[:TAG]`.
    public var target: ImageLocation
    /// The images to list, as the user wrote them (for messages) and parsed.
    public var images: [(text: String, location: ImageLocation)]
    /// `--platform`: keep only matching entries of each image.
    public var filters: [PlatformSelector]
    /// `--annotation`: index annotations.
    public var annotations: [String: String]
    /// `--index-type`: nil lets the images (or the existing index) decide.
    public var indexType: MediaType.Family?
    /// `--replace` (append): an image whose platform is already listed replaces that entry.
    public var replace: Bool
    /// `--dry-run`: resolve and check everything, write nothing.
    public var dryRun: Bool

    public init(mode: Mode, target: ImageLocation, images: [(text: String, location: ImageLocation)],
                filters: [PlatformSelector] = [], annotations: [String: String] = [:], indexType: MediaType.Family? = nil,
                replace: Bool = false, dryRun: Bool = false) {
        self.mode = mode
        self.target = target
        self.images = images
        self.filters = filters
        self.annotations = annotations
        self.indexType = indexType
        self.replace = replace
        self.dryRun = dryRun
    }

    /// Parses `--annotation KEY=VALUE` flags.
    public static func annotations(_ flags: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for a in flags {
            guard let eq = a.firstIndex(of: "="), eq > a.startIndex else { throw IndexError.invalidAnnotation(a) }
            out[String(a[..<eq])] = String(a[a.index(after: eq)...])
        }
        return out
    }
}
