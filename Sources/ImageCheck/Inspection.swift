import OCIModel

/// What an image reference holds: the index (or single manifest) and, per image, its manifest and config.
public struct Inspection: Sendable, Hashable, Encodable {
    /// The reference as the user wrote it.
    public var reference: String
    /// Digest of the top-level document.
    public var digest: Digest
    public var mediaType: String
    /// False for a single-image manifest (then `images` has one element with no `position`).
    public var isIndex: Bool
    public var images: [InspectedImage]

    /// The entries as containerd sees them, with config platforms for the verdicts.
    public var candidates: [Candidate] {
        images.map { image in
            // A plain manifest has no entry platform; containerd then judges it by its config.
            Candidate(platform: isIndex ? image.entryPlatform : image.configPlatform,
                      digest: image.manifestDigest, configPlatform: image.configPlatform)
        }
    }
}

/// One image of an index, or the single image.
public struct InspectedImage: Sendable, Hashable, Encodable {
    /// Position in the index, from 0; nil for a single-image manifest.
    public var position: Int?
    /// The index entry's `platform`.
    public var entryPlatform: Platform?
    public var manifestDigest: Digest
    public var manifestMediaType: String
    public var manifestSize: Int64
    public var configDigest: Digest?
    /// `os`, `architecture`, `variant`, `os.version`, `os.features` of the config.
    public var configPlatform: Platform?
    public var layerCount: Int
    /// Sum of the layer descriptor sizes (compressed, as stored), foreign layers included.
    public var totalLayerSize: Int64
    /// Layers fetched from their `urls` rather than the registry.
    public var foreignLayers: [ForeignLayer]
    /// Disagreements between the entry and the config, and missing fields that change selection.
    public var problems: [String]
    /// Why the entry was not inspected further (a nested index, an artifact, a missing blob).
    public var note: String?
}

/// A non-distributable layer: its blob is not in the registry, only at `urls`.
public struct ForeignLayer: Sendable, Hashable, Encodable {
    public var digest: Digest
    public var size: Int64
    public var mediaType: String
    public var urls: [String]
}

extension InspectedImage {
    /// Compares the index entry with the config the way a puller would trip over them.
    public static func problems(entry: Platform?, config: Platform?) -> [String] {
        var out: [String] = []
        if let entry, entry.isWindows, (entry.osVersion ?? "").isEmpty {
            out.append("entry has no os.version: containerd ≥1.7 matches it on every Windows host, older containerd on none")
        }
        guard let entry, let config else { return out }
        if entry.os != config.os { out.append("os: entry \(entry.os), config \(config.os)") }
        if entry.architecture != config.architecture {
            out.append("architecture: entry \(entry.architecture), config \(config.architecture)")
        }
        if entry.variant != config.variant {
            out.append("variant: entry \(entry.variant ?? "(none)"), config \(config.variant ?? "(none)")")
        }
        if let e = entry.osVersion, let c = config.osVersion, e != c {
            let eb = (try? WindowsVersion(parsing: e))?.build, cb = (try? WindowsVersion(parsing: c))?.build
            let why = eb != cb ? " (different builds: containerd chooses by the entry, the host checks the image)" : ""
            out.append("os.version: entry \(e), config \(c)\(why)")
        } else if entry.osVersion != nil, config.osVersion == nil, config.os == "windows" {
            out.append("os.version: entry \(entry.osVersion!), config has none")
        }
        let ef = Set(entry.osFeatures ?? []), cf = Set(config.osFeatures ?? [])
        if ef != cf {
            let show = { (s: Set<String>) in s.isEmpty ? "(none)" : s.sorted().joined(separator: ",") }
            out.append("os.features: entry \(show(ef)), config \(show(cf))")
        }
        return out
    }
}
