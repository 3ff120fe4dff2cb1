import Foundation
import LayerBuilder
import OCIModel
import RegistryClient

/// Release archives given as `add` inputs, unpacked once into the cache and reused by content.
///
/// The extracted tree lives in `<cache>/archives/<sha256 of the archive>`, so a rebuild with the
/// same archive (or the same archive under another name) does not unpack it again. It is written
/// to a temporary directory beside it and renamed into place only when the whole archive passed
/// the path checks, so a refused archive never leaves anything usable behind.
enum HostArchive {
    /// Bumped when the extraction rules change, so older cache entries are not reused.
    static let formatVersion = "1"

    static func extracted(_ archive: String, cacheRoot: String,
                          limits: ArchiveExtractor.Limits = ArchiveExtractor.Limits()) throws -> String {
        let digest: Digest
        do { digest = try SHA256Digest.ofFile(at: archive).digest } catch {
            throw BuildError.archive(path: archive, reason: "cannot read it: \(error)")
        }
        let dir = (cacheRoot as NSString).appendingPathComponent("archives")
        let final = (dir as NSString).appendingPathComponent("v\(formatVersion)-\(digest.encoded)")
        if FileManager.default.fileExists(atPath: final) { return final }
        try CacheDirectory.create(dir)
        let tmp = (dir as NSString).appendingPathComponent(".tmp-\(UUID().uuidString.prefix(8))")
        try CacheDirectory.create(tmp)
        do {
            try ArchiveExtractor.extract(archive: archive, into: tmp, limits: limits)
        } catch {
            CacheDirectory.remove(tmp)
            throw error
        }
        if rename(tmp, final) != 0 {
            // Another build unpacked the same archive first; theirs is identical.
            CacheDirectory.remove(tmp)
            guard FileManager.default.fileExists(atPath: final) else {
                throw BuildError.archive(path: archive, reason: "cannot move the unpacked files into \(final): \(String(cString: strerror(errno)))")
            }
        }
        return final
    }
}

/// winimg's cache folder: `$WINIMG_CACHE_DIR`, else `$XDG_CACHE_HOME/winimg`, else
/// `~/.cache/winimg`. Everything in it is content-addressed and may be deleted at any time.
public enum CacheDirectory {
    public static func root(environment: [String: String]) -> String {
        if let d = environment["WINIMG_CACHE_DIR"], !d.isEmpty { return d }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return (x as NSString).appendingPathComponent("winimg") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cache/winimg")
    }

    static func create(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw BuildError.unsupported("cannot create the cache folder \(path): \(FileProblem.reason(error)); set WINIMG_CACHE_DIR to a writable folder")
        }
    }

    /// Removes a tree, making read-only folders writable first (archives may contain them).
    static func remove(_ path: String) {
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let rel = walker.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(rel)
                var st = stat()
                if lstat(full, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { chmod(full, 0o755) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
