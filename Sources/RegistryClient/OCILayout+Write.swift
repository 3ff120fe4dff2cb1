import Foundation
import LayerBuilder
import OCIModel

/// Writes an OCI image layout so that readers never see a half-written one.
///
/// * A new layout is staged in a sibling directory `<root>.tmp-<pid>-<random>` and renamed into
///   place by the first `commit`; `abandon()` removes the staging directory. A run killed before
///   that leaves the directory behind; the next writer for the same root removes it once that
///   pid is gone (likewise blob temp files inside an existing layout).
/// * An existing layout gets its blobs written in place (each through a temp file in the layout's
///   root, not in `blobs/sha256`, and a rename, so a blob file is complete whenever it exists) and `index.json` replaced atomically on `commit`,
///   keeping the entries already there.
///
/// A class with a lock rather than a struct because `commit` changes where later writes go.
public final class OCILayoutWriter: @unchecked Sendable {
    /// The final layout directory.
    public let root: String
    private let lock = NSLock()
    /// Where blobs and index.json are written now: the staging directory until the first commit.
    private var workDir: String
    private var staged: Bool

    /// Prepares writing to `root`.
    /// - Throws: when `root` exists but is neither an empty directory nor a layout.
    public init(root: String) throws {
        let root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.root = root
        // Debris of runs killed mid-write: staging directories beside root and blob temp files
        // inside it, named with the pid of a process that is gone.
        let parent = (root as NSString).deletingLastPathComponent
        let base = (root as NSString).lastPathComponent
        FileOps.removeStaleTemps(in: parent.isEmpty ? "." : parent) { $0 == base }
        FileOps.removeStaleTemps(in: root) { $0.hasPrefix(".") }
        if FileOps.exists(root) {
            guard FileOps.isDirectory(root) else {
                throw RegistryError.notALayout(path: root, reason: "it is a file; give a directory")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            guard contents.isEmpty || contents.contains("oci-layout") else {
                throw RegistryError.notALayout(path: root, reason: "the directory is not empty and has no oci-layout file; refusing to write into it")
            }
            workDir = root
            staged = false
        } else {
            workDir = root + FileOps.tempMarker()
            staged = true
            // Name the directory the user gave, not the temporary one it is staged in.
            do { try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true) } catch {
                throw RegistryError.io(path: root, reason: "cannot create the layout directory: \(FileProblem.reason(error)); "
                    + "check that its parent directory exists and is writable")
            }
        }
        try FileOps.createDirectory(workDir + "/blobs/sha256")
    }

    private var currentDir: String { lock.withLock { workDir } }

    private func path(of d: Digest) -> String { currentDir + "/" + d.layoutPath }

    /// Adds a blob from a file (hard link when possible, else copy), verifying its digest.
    public func putBlob(_ d: Digest, fromFile path: String) throws {
        let target = self.path(of: d)
        if FileOps.exists(target) { return }
        try FileOps.createDirectory((target as NSString).deletingLastPathComponent)
        try FileOps.placeVerified(from: path, to: target, digest: d, tempDirectory: currentDir)
    }

    /// Adds an in-memory blob, verifying its digest.
    public func putBlob(_ d: Digest, data: Data) throws {
        try d.requireVerifiable()
        let actual = SHA256Digest.of(data)
        guard actual == d else { throw RegistryError.digestMismatch(expected: d, actual: actual, context: "blob for \(root)") }
        let target = self.path(of: d)
        if FileOps.exists(target) { return }
        try FileOps.createDirectory((target as NSString).deletingLastPathComponent)
        try FileOps.writeAtomically(data, to: target, tempDirectory: currentDir)
    }

    public func hasBlob(_ d: Digest) -> Bool { FileOps.exists(path(of: d)) }

    /// Records `entry` in index.json, named `tag` (annotation `org.opencontainers.image.ref.name`),
    /// replacing an entry with the same name; writes `oci-layout`; publishes a staged layout.
    public func commit(index entry: Descriptor, tag: String?) throws {
        try lock.withLock {
            var entry = entry
            if let tag {
                var annotations = entry.annotations ?? [:]
                annotations[OCILayout.refNameAnnotation] = tag
                entry.annotations = annotations
            }
            let indexPath = workDir + "/index.json"
            var document: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex]
            if let existing = FileManager.default.contents(atPath: indexPath) {
                guard let parsed = try? JSONSerialization.jsonObject(with: existing) as? [String: Any] else {
                    throw RegistryError.notALayout(path: root, reason: "index.json is not a JSON object")
                }
                // Keep unknown fields and entries as they are; only the manifests list changes.
                document = parsed
            }
            var manifests = document["manifests"] as? [[String: Any]] ?? []
            manifests.removeAll { old in
                let name = (old["annotations"] as? [String: Any])?[OCILayout.refNameAnnotation] as? String
                if let tag { return name == tag }
                // An untagged entry replaces an identical untagged one instead of duplicating it.
                return name == nil && (old["digest"] as? String) == entry.digest.description
            }
            manifests.append(try Self.jsonObject(entry))
            document["manifests"] = manifests
            let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])

            try FileOps.writeAtomically(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: workDir + "/oci-layout")
            try FileOps.writeAtomically(data, to: indexPath)
            if staged {
                // Someone may have created root meanwhile; rename(2) would fail on a non-empty
                // directory, which is the safe outcome.
                try FileOps.rename(workDir, to: root)
                workDir = root
                staged = false
            }
        }
    }

    /// Removes the staging directory of a layout that was never committed. An existing layout is left
    /// alone (its blobs are harmless without an index entry).
    public func abandon() {
        lock.withLock {
            if staged { FileOps.remove(workDir) }
        }
    }

    private static func jsonObject(_ descriptor: Descriptor) throws -> [String: Any] {
        let data = try JSONEncoder().encode(descriptor)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RegistryError.io(path: "", reason: "cannot encode descriptor")
        }
        return object
    }
}
