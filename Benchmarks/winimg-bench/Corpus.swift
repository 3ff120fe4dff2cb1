import Foundation
import LayerBuilder

/// The benchmark input: ~250 MiB of real executables and shared libraries from the Swift toolchain,
/// copied into a temp dir so every tool reads the same files from the same file system.
enum Corpus {
    static let sources = ["/opt/swift/usr/bin", "/opt/swift/usr/lib"]
    static let targetBytes: Int64 = 250 << 20
    /// Files above this size are skipped so the corpus mixes many binaries rather than two giants.
    static let maxFileBytes: Int64 = 64 << 20

    /// Copies a deterministic selection (regular files, sorted by path, in order until the target
    /// is reached) into `dir/bin` and `dir/lib`, unless `dir` already holds a corpus.
    static func prepare(in dir: String) throws -> (files: Int, bytes: Int64) {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/.complete") { return try measure(dir) }
        try? fm.removeItem(atPath: dir)
        var total: Int64 = 0
        var count = 0
        outer: for source in sources {
            let sub = dir + "/" + (source as NSString).lastPathComponent
            try fm.createDirectory(atPath: sub, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: source).sorted() {
                let path = source + "/" + name
                let attrs = try fm.attributesOfItem(atPath: path)
                guard attrs[.type] as? FileAttributeType == .typeRegular,
                      let size = (attrs[.size] as? NSNumber)?.int64Value,
                      size > 0, size <= maxFileBytes else { continue }
                try fm.copyItem(atPath: path, toPath: sub + "/" + name)
                total += size
                count += 1
                if total >= targetBytes { break outer }
            }
        }
        _ = fm.createFile(atPath: dir + "/.complete", contents: nil)
        return (count, total)
    }

    /// Counts the corpus's regular files and bytes.
    static func measure(_ dir: String) throws -> (files: Int, bytes: Int64) {
        let entries = try layerEntries(dir)
        var bytes: Int64 = 0
        for case let .file(path) in entries.map(\.kind) {
            bytes += ((try FileManager.default.attributesOfItem(atPath: path))[.size] as? NSNumber)?.int64Value ?? 0
        }
        return (entries.filter { if case .file = $0.kind { true } else { false } }.count, bytes)
    }

    /// The corpus as layer entries: its directories and regular files (the `.complete` marker is
    /// skipped so winimg and the tar-based peers see the same payload apart from that empty file).
    static func layerEntries(_ dir: String) throws -> [LayerEntry] {
        var entries: [LayerEntry] = []
        let fm = FileManager.default
        for sub in try fm.contentsOfDirectory(atPath: dir).sorted() where sub != ".complete" {
            entries.append(LayerEntry(path: "/" + sub, kind: .directory, mode: 0o755))
            for name in try fm.contentsOfDirectory(atPath: dir + "/" + sub).sorted() {
                let path = dir + "/" + sub + "/" + name
                let perms = ((try fm.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o644
                entries.append(LayerEntry(path: "/\(sub)/\(name)", kind: .file(source: path), mode: perms & 0o7777))
            }
        }
        return entries
    }
}
