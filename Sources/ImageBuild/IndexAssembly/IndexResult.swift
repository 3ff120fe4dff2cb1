import Foundation
import OCIModel
import RegistryClient

/// What `winimg index create` / `append` produced, printed by `--format json`.
public struct IndexResult: Sendable, Codable, Equatable {
    public struct IndexInfo: Sendable, Codable, Equatable {
        public var mediaType: String
        public var digest: String
        public var size: Int64
    }
    public struct Entry: Sendable, Codable, Equatable {
        /// `os/arch[/variant]`.
        public var platform: String
        public var osVersion: String?
        public var osFeatures: [String]?
        public var manifest: String
        public var mediaType: String
        /// Where the image came from (or the target, for entries it already listed).
        public var source: String
    }
    public var index: IndexInfo
    public var target: String
    public var mode: IndexRequest.Mode
    public var entries: [Entry]
    /// Images added by this run.
    public var added: [String]
    /// Entries `--replace` dropped.
    public var replaced: [String]
    /// Images already listed with the same digest and platform.
    public var alreadyListed: [String]
    public var warnings: [String]
    /// Nothing was written.
    public var dryRun: Bool
    /// What was copied; nil on a dry run.
    public var transfer: PublishStats?

    /// The exact index bytes (pushed, or what would have been).
    public var document: Data = Data()

    enum CodingKeys: String, CodingKey {
        case index, target, mode, entries, added, replaced, alreadyListed, warnings, dryRun, transfer
    }

    init(composed: ComposedIndex, target: String, mode: IndexRequest.Mode, warnings: [String], dryRun: Bool, transfer: PublishStats?) {
        index = IndexInfo(mediaType: composed.mediaType, digest: composed.digest.description, size: Int64(composed.bytes.count))
        self.target = target
        self.mode = mode
        entries = composed.entries.map { c in
            let p = c.descriptor.platform
            return Entry(platform: p?.osArchVariant ?? "(none)", osVersion: p?.osVersion, osFeatures: p?.osFeatures,
                         manifest: c.descriptor.digest.description, mediaType: c.descriptor.mediaType, source: c.origin)
        }
        added = composed.toCopy.map(\.origin)
        replaced = composed.replaced
        alreadyListed = composed.alreadyListed
        self.warnings = warnings
        self.dryRun = dryRun
        self.transfer = transfer
        document = composed.bytes
    }

    /// The result for people: the index, one line per entry, then what was copied.
    public func text() -> String {
        var lines: [String] = []
        let verb = dryRun ? "would write" : (mode == .append ? "appended to" : "wrote")
        lines.append("\(verb) \(target): \(index.digest) (\(index.mediaType), \(entries.count) entries)")
        for e in entries {
            var line = "  \(e.platform)"
            if let v = e.osVersion { line += " \(v)" }
            if let f = e.osFeatures, !f.isEmpty { line += " [\(f.joined(separator: ","))]" }
            line += "  \(e.manifest)  \(e.source)"
            lines.append(line)
        }
        for r in replaced { lines.append("replaced \(r)") }
        for a in alreadyListed { lines.append("already listed: \(a)") }
        if let t = transfer {
            lines.append("blobs: \(t.blobsMounted) mounted, \(t.blobsUploaded) copied (\(t.bytesUploaded) bytes), \(t.blobsSkipped) already there; \(t.manifestsPushed) manifests written")
        }
        return lines.joined(separator: "\n")
    }
}
