#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LayerBuilder
import OCIModel
import RegistryClient

/// Built layer blobs kept between builds, so an unchanged layer is neither tarred nor compressed again.
///
/// A layer is found by its `LayerStamp` (inputs' paths, sizes, mtimes, modes and the layer options),
/// which maps to a small record naming the blob by its content digest. On a hit the blob is re-hashed
/// (unless untouched since its last check, see `BlobState`) and used only if it still has that
/// digest; anything else is a miss and the layer is rebuilt.
/// Blobs and records are written under temporary names and renamed into place, so concurrent
/// builds sharing a directory only ever see complete entries.
///
/// Layout: `layers/blobs/sha256/<hex>` (compressed blobs), `layers/stamps/<hex>.json` (records),
/// `layers/tmp/` (blobs being written).
public struct LayerCache: Sendable {
    /// Changes whenever the writer's output for the same inputs changes (tar layout, compression
    /// library or framing), so blobs written by an older winimg are not reused.
    /// 2: gzip by libdeflate, one member per 1 MiB block; zstd layers.
    /// 3: incompressible 64 KiB segments stored (own gzip members).
    public static let formatRevision = 3
    /// Default size limit: 10 GiB.
    public static let defaultMaxBytes: Int64 = 10 << 30

    /// The cache directory (its `layers` folder holds everything).
    public let directory: String
    /// Blob bytes kept at most; the least recently used blobs go first (see `evict`).
    public let maxBytes: Int64

    var blobsDir: String { directory + "/layers/blobs/sha256" }
    var stampsDir: String { directory + "/layers/stamps" }
    var tmpDir: String { directory + "/layers/tmp" }

    /// `$XDG_CACHE_HOME/winimg`, else `$HOME/.cache/winimg`; nil when neither is set.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/winimg" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/winimg" }
        return nil
    }

    /// Opens (creating if needed) the cache in `directory`.
    /// - Throws: `LayerCacheError.unusable` when it cannot be created or written.
    public init(directory: String, maxBytes: Int64 = LayerCache.defaultMaxBytes) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        // Foundation reports "a file is in the way" as a bare Cocoa error code; name it here.
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw LayerCacheError.unusable(directory: directory, reason: "it is a file, not a directory")
        }
        for dir in [blobsDir, stampsDir, tmpDir] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw LayerCacheError.unusable(directory: directory, reason: Self.reason(error))
            }
        }
        guard access(tmpDir, W_OK) == 0, access(blobsDir, W_OK) == 0, access(stampsDir, W_OK) == 0 else {
            throw LayerCacheError.unusable(directory: directory, reason: "it is not writable")
        }
    }

    /// A layer from the cache, or built by `build` and remembered.
    public struct Lookup: Sendable {
        /// The blob (its `path` is inside the cache).
        public var layer: BuiltLayer
        /// True when no tar or compression work was done.
        public var hit: Bool
        /// Things worth telling the user (a damaged entry replaced, a store that failed).
        public var notices: [String]
    }

    /// The layer for `entries` and `options`: the remembered blob when the stamp matches and the blob
    /// still has its digest, else the result of `build(path)`, which must write the blob to `path`.
    /// A failure to remember a built layer is a notice, never an error: the build goes on.
    public func layer(entries: [LayerEntry], options: LayerOptions,
                      build: (String) throws -> BuiltLayer) throws -> Lookup {
        let stamp = LayerStamp(entries: entries, options: options)
        var notices: [String] = []
        if let stamp {
            switch cached(stamp) {
            case let .found(layer): return Lookup(layer: layer, hit: true, notices: [])
            case .absent: break
            case let .damaged(reason):
                notices.append("layer cache entry \(stamp.hex.prefix(12)) was damaged (\(reason)); rebuilding it")
                unlink(recordPath(stamp))
            }
        }

        let staging = tmpDir + "/\(getpid())-\(UUID().uuidString.prefix(8)).\(options.compression.fileExtension)"
        var layer: BuiltLayer
        do { layer = try build(staging) } catch {
            unlink(staging)
            throw error
        }
        let final = blobPath(layer.digest)
        if rename(staging, final) == 0 {
            layer.path = final
            if let stamp {
                var record = Record(layer)
                record.verified = BlobState(path: final)  // its digest was computed while writing it
                do { try writeRecord(record, for: stamp) } catch {
                    notices.append("could not remember layer \(layer.digest.short) in \(directory): \(Self.reason(error))")
                }
            }
        } else {
            notices.append("could not keep layer \(layer.digest.short) in \(directory): \(String(cString: strerror(errno)))")
        }
        return Lookup(layer: layer, hit: false, notices: notices)
    }

    // MARK: Records

    /// What a stamp remembers: the blob's digests and sizes.
    struct Record: Codable, Equatable {
        var revision: Int
        var digest: Digest
        var diffID: Digest
        var size: Int64
        var uncompressedSize: Int64
        /// The blob file's state when its digest was last checked (absent in older records).
        var verified: BlobState?

        init(_ l: BuiltLayer) {
            revision = LayerCache.formatRevision
            digest = l.digest; diffID = l.diffID; size = l.size; uncompressedSize = l.uncompressedSize
        }
    }

    enum Found { case found(BuiltLayer), absent, damaged(String) }

    func recordPath(_ stamp: LayerStamp) -> String { stampsDir + "/" + stamp.hex + ".json" }
    func blobPath(_ digest: Digest) -> String { blobsDir + "/" + digest.encoded }

    /// The remembered blob for `stamp`. Its content is re-hashed unless the file is provably
    /// untouched since it was last checked (same inode, size and change time: see `BlobState`),
    /// so a no-op rebuild does not read every cached layer again.
    func cached(_ stamp: LayerStamp) -> Found {
        guard let data = FileManager.default.contents(atPath: recordPath(stamp)) else { return .absent }
        guard let record = try? JSONDecoder().decode(Record.self, from: data), record.digest.algorithm == "sha256" else {
            return .damaged("unreadable record")
        }
        guard record.revision == Self.formatRevision else { return .absent }
        let path = blobPath(record.digest)
        var st = stat()
        guard stat(path, &st) == 0 else { return .absent }  // evicted
        guard Int64(st.st_size) == record.size else {
            unlink(path)
            return .damaged("blob is \(st.st_size) bytes, expected \(record.size)")
        }
        if record.verified == nil || record.verified != BlobState(st) {
            guard let actual = try? SHA256Digest.ofFile(at: path), actual.digest == record.digest else {
                unlink(path)
                return .damaged("blob content does not match \(record.digest.short)")
            }
        }
        Self.touch(path)
        // Touching moved the change time: remember the new state, so the next hit can trust it.
        var checked = record
        checked.verified = BlobState(path: path)
        if checked != record { try? writeRecord(checked, for: stamp) }
        return .found(BuiltLayer(digest: record.digest, diffID: record.diffID, size: record.size,
                                 uncompressedSize: record.uncompressedSize, path: path))
    }

    func writeRecord(_ record: Record, for stamp: LayerStamp) throws {
        let temp = tmpDir + "/\(getpid())-\(UUID().uuidString.prefix(8)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(record).write(to: URL(fileURLWithPath: temp))
            guard rename(temp, recordPath(stamp)) == 0 else {
                throw LayerCacheError.unusable(directory: directory, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Marks a blob as just used (its mtime orders eviction; atime is often not kept).
    static func touch(_ path: String) {
        _ = utimensat(AT_FDCWD, path, nil, 0)
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? LayerCacheError, case let .unusable(_, reason) = e { return reason }
        return FileProblem.reason(error)
    }
}
