import Foundation
import OCIModel

/// What goes into a layer, in container paths.
public struct LayerEntry: Sendable, Hashable {
    /// The content of an entry.
    public enum Kind: Sendable, Hashable {
        /// A regular file copied from `source`, a host path; streamed, never loaded whole.
        case file(source: String)
        /// A regular file with inline content.
        case data([UInt8])
        /// A directory.
        case directory
        /// A symbolic link to `target` (Linux layers only).
        case symlink(target: String)
        /// A hard link to `target`, the container path of a regular file (`.file` or `.data`) of the
        /// same layer. Written as a tar hard link, after its target whatever the entry order; in
        /// Windows layers the link name gets the `Files/` prefix the Windows importer requires.
        case hardlink(target: String)
    }

    /// Container path with `/` separators, e.g. `/pause.exe` or `/Windows/System32/wincat.exe`;
    /// the leading `/` is optional.
    public var path: String
    /// What the entry is.
    public var kind: Kind
    /// Permission bits, e.g. `0o755` (at most `0o7777`; the file type comes from `kind`).
    public var mode: UInt32

    /// Creates an entry.
    public init(path: String, kind: Kind, mode: UInt32) {
        self.path = path
        self.kind = kind
        self.mode = mode
    }
}

/// The encoder of gzip layers.
public enum GzipEncoder: String, Sendable, Hashable, Codable, CaseIterable {
    /// libdeflate, one gzip member per 1 MiB input block, on all threads: several times less CPU
    /// than zlib for a size within 1 % of `gzip -6` (see BENCHMARKS.md). The default.
    case libdeflate
    /// zlib, one gzip member for the whole layer (blocks joined pigz-style), on all threads.
    case zlib

    /// libdeflate's level for a zlib-scale level: libdeflate compresses more per level, and its
    /// level L − 1 measured closest to zlib's L at lower cost (5 for `gzip -6`: −0.3 % in size).
    static func libdeflateLevel(forZlibLevel level: Int32) -> Int32 { level <= 1 ? level : level - 1 }
}

/// The target layout of a layer.
public enum LayerFormat: String, Sendable, Codable {
    /// Plain relative paths (`usr/bin/x`).
    case linux
    /// Windows container layer: `Hives`, `Files`, everything under `Files/` with `MSWINDOWS.rawsd`.
    case windows
}

/// How a layer is written.
public struct LayerOptions: Sendable, Hashable {
    /// The layout to produce.
    public var format: LayerFormat
    /// Modification time (seconds since the epoch) written on every entry; `SOURCE_DATE_EPOCH` or 0.
    public var mtime: Int64
    /// gzip (the default, and the only choice for Windows layers) or zstd.
    public var compression: LayerCompression = .gzip
    /// gzip compression level, 0 (store) to 9 (best), on zlib's scale (6 is `gzip -6`).
    public var compressionLevel: Int32 = 6
    /// Which encoder writes gzip layers; both give valid gzip whatever the thread count.
    public var gzipEncoder: GzipEncoder = .libdeflate
    /// zstd compression level, 1 to 19; 3 is zstd's default.
    public var zstdLevel: Int32 = 3
    /// Threads that compress in parallel (at least 1). The output bytes do not depend on it: gzip
    /// block boundaries are fixed input offsets, and zstd always runs in its multi-threaded mode,
    /// whose jobs do not depend on the worker count, so any thread count gives the same digest.
    public var compressionThreads: Int = LayerOptions.defaultCompressionThreads

    /// The active processor count: compression is the layer build's bottleneck.
    public static var defaultCompressionThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Creates options.
    /// - Parameters:
    ///   - format: Linux or Windows layout.
    ///   - mtime: timestamp for every entry; 0 unless reproducing a `SOURCE_DATE_EPOCH` build.
    ///   - compressionLevel: zlib level 0...9; 6 is gzip's default.
    public init(format: LayerFormat, mtime: Int64 = 0, compressionLevel: Int32 = 6) {
        self.format = format
        self.mtime = mtime
        self.compressionLevel = compressionLevel
    }

    /// Largest mtime an ustar header can hold (11 octal digits), year 4147.
    static let maxMtime: Int64 = 0o77777777777

    /// Reads `SOURCE_DATE_EPOCH` (https://reproducible-builds.org/specs/source-date-epoch/) from `env`.
    /// - Returns: its value, or 0 when unset or empty.
    /// - Throws: `LayerBuilderError.invalidSourceDateEpoch` when it is not a non-negative integer
    ///   that fits an ustar header.
    public static func sourceDateEpoch(from env: [String: String]) throws -> Int64 {
        guard let raw = env["SOURCE_DATE_EPOCH"] else { return 0 }
        let value = raw.trimmingASCIIWhitespace()
        if value.isEmpty { return 0 }
        guard value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int64(value), seconds <= maxMtime else {
            throw LayerBuilderError.invalidSourceDateEpoch(raw)
        }
        return seconds
    }

    /// Throws when a field is out of range.
    func validate() throws {
        guard (0...9).contains(compressionLevel) else {
            throw LayerBuilderError.invalidOption("compressionLevel \(compressionLevel) is outside 0...9")
        }
        guard (1...19).contains(zstdLevel) else {
            throw LayerBuilderError.invalidOption("zstdLevel \(zstdLevel) is outside 1...19")
        }
        guard compression == .gzip || format == .linux else {
            throw LayerBuilderError.invalidOption("Windows layers must be gzip-compressed; zstd is for Linux layers only")
        }
        guard compressionThreads >= 1 else {
            throw LayerBuilderError.invalidOption("compressionThreads \(compressionThreads) is below 1")
        }
        guard (0...Self.maxMtime).contains(mtime) else {
            throw LayerBuilderError.invalidOption("mtime \(mtime) is outside 0...\(Self.maxMtime) (what an ustar header can hold)")
        }
    }
}

/// A layer blob written to disk, with the values a manifest and config need.
public struct BuiltLayer: Sendable, Hashable {
    /// Digest of the compressed blob (the manifest's layer descriptor digest).
    public var digest: Digest
    /// Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry).
    public var diffID: Digest
    /// Compressed size in bytes.
    public var size: Int64
    /// Uncompressed tar size in bytes.
    public var uncompressedSize: Int64
    /// The file holding the blob.
    public var path: String

    /// Creates a value (mainly for tests and callers that cache layers).
    public init(digest: Digest, diffID: Digest, size: Int64, uncompressedSize: Int64, path: String) {
        self.digest = digest
        self.diffID = diffID
        self.size = size
        self.uncompressedSize = uncompressedSize
        self.path = path
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var s = Substring(self)
        while let f = s.first, isSpace(f) { s = s.dropFirst() }
        while let l = s.last, isSpace(l) { s = s.dropLast() }
        return String(s)
    }
}
