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

/// A cheap fingerprint of everything a layer's bytes depend on, taken without reading file content.
///
/// It covers the writer's output revision, every layer option that changes the bytes (format,
/// entry mtime, compression), and per entry its container path, mode and kind: for host files the
/// path, size, modification time (nanoseconds) and mode as `stat` (following links, as the writer
/// does) sees them; for inline data a hash of the bytes; for symbolic and hard links the target. Equal stamps mean
/// the writer would produce the same blob, so a remembered blob can stand in for a rebuild.
struct LayerStamp: Hashable, Sendable {
    /// Hex SHA-256 of the canonical description, used as the record's file name.
    var hex: String

    /// The stamp of `entries` written with `options`, or nil when a host file cannot be stat'ed
    /// (the writer then reports the problem properly).
    init?(entries: [LayerEntry], options: LayerOptions) {
        var hasher = SHA256Hasher()
        func add(_ s: String) {
            var n = UInt64(s.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { hasher.update($0) }
            hasher.update(Array(s.utf8))
        }
        func add(_ v: Int64) { add(String(v)) }

        add("winimg-layer-stamp")
        add(Int64(LayerCache.formatRevision))
        for (name, value) in Self.optionFields(options) { add(name); add(value) }
        add(Int64(entries.count))
        for e in entries {
            add(e.path)
            add(Int64(e.mode))
            switch e.kind {
            case .directory:
                add("dir")
            case let .symlink(target):
                add("link"); add(target)
            case let .hardlink(target):
                add("hardlink"); add(target)
            case let .data(bytes):
                add("data"); add(SHA256Digest.of(bytes).description)
            case let .file(source):
                var st = stat()
                guard stat(source, &st) == 0 else { return nil }
                add("file"); add(source)
                add(Int64(st.st_size)); add(Int64(st.st_mode))
                add(Int64(st.st_mtim.tv_sec)); add(Int64(st.st_mtim.tv_nsec))
            }
        }
        hex = hasher.finalize().encoded
    }

    /// Every option that changes the layer's bytes, by name (the thread count does not: gzip block
    /// boundaries are fixed input offsets and zstd's jobs do not depend on the worker count).
    static func optionFields(_ o: LayerOptions) -> [(String, String)] {
        var fields = [("format", o.format.rawValue),
                      ("mtime", String(o.mtime)),
                      ("compression", o.compression.rawValue)]
        switch o.compression {
        case .gzip:
            fields += [("gzipEncoder", o.gzipEncoder.rawValue), ("compressionLevel", String(o.compressionLevel))]
        case .zstd:
            fields += [("zstdLevel", String(o.zstdLevel))]
        }
        return fields
    }
}
