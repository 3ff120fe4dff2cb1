import Foundation
import OCIModel
import RegistryClient

/// One image to list in an index: its entry, and where its bytes are when they must be copied.
public struct IndexCandidate: Sendable {
    /// The index entry: the child's media type, digest and size, and the platform from its config.
    public var descriptor: Descriptor
    /// The entry exactly as an existing index wrote it (append keeps such entries byte for byte).
    public var existingJSON: JSONValue?
    /// Where the image was named, for messages: `REF` or `REF@DIGEST` for an entry of an index.
    public var origin: String
    /// The manifest's exact bytes; nil for entries already in the target.
    public var manifest: Data?
    /// Config and layers to copy (foreign / non-distributable layers are left out: their bytes live elsewhere).
    public var blobs: [Descriptor]
    /// Where to read blobs; nil for entries already in the target.
    public var source: (any ImageSource)?
    /// For registry sources: the repository, so a target on the same registry can mount blobs from it.
    public var registryOrigin: ImageReference?

    public init(descriptor: Descriptor, existingJSON: JSONValue? = nil, origin: String, manifest: Data? = nil,
                blobs: [Descriptor] = [], source: (any ImageSource)? = nil, registryOrigin: ImageReference? = nil) {
        self.descriptor = descriptor
        self.existingJSON = existingJSON
        self.origin = origin
        self.manifest = manifest
        self.blobs = blobs
        self.source = source
        self.registryOrigin = registryOrigin
    }

    /// An entry of an existing index, kept as it is.
    public static func existing(_ json: JSONValue, position: Int, target: String) throws -> IndexCandidate {
        let d = try Descriptor(json: json, context: "manifests[\(position)] of \(target)")
        return IndexCandidate(descriptor: d, existingJSON: json, origin: "\(target) (entry \(position + 1))")
    }

    /// The media type family of the child manifest; nil for anything else.
    public var family: MediaType.Family? {
        switch descriptor.mediaType {
        case MediaType.dockerManifest: return .docker
        case MediaType.ociManifest: return .oci
        default: return nil
        }
    }

    /// The entry object written into the index.
    var entryJSON: JSONValue { existingJSON ?? .object(descriptor.jsonObject) }

    /// What makes two entries compete for the same hosts: os, architecture, variant (arm64's `v8`
    /// is the same as none) and, for Windows, the build (containerd pulls only one entry per build).
    public var platformKey: String {
        guard let p = descriptor.platform else { return "(no platform)" }
        var variant = p.variant ?? ""
        if p.architecture == "arm64", variant == "v8" { variant = "" }
        var key = "\(p.os)/\(p.architecture)" + (variant.isEmpty ? "" : "/\(variant)")
        if p.isWindows, let text = p.osVersion {
            if let v = try? WindowsVersion(parsing: text) { key += ":\(v.major).\(v.minor).\(v.build)" } else { key += ":\(text)" }
        }
        return key
    }
}
