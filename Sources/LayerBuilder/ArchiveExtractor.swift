import CArchive
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unpacks release archives (`.zip`, `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`/`.txz`, `.tar.zst`) into a
/// fresh directory through libarchive, refusing every entry that could write outside it.
///
/// Refused, with the entry named: absolute names (`/x`, `C:\x`, `\\server\x`), `..` components,
/// symbolic links whose target is absolute or leaves the archive's root, hard links to anything
/// but a regular file extracted earlier, entries that would be written through a symbolic link,
/// device and FIFO entries, and archives past `Limits` (entry count, total size).
public enum ArchiveExtractor {
    /// Bounds on what one archive may unpack to, so a hostile or mistaken archive ("zip bomb")
    /// fails with a message instead of filling the disk.
    public struct Limits: Sendable, Hashable {
        public var maxEntries: Int
        public var maxTotalBytes: Int64

        /// - Parameters:
        ///   - maxEntries: most members accepted (default one million).
        ///   - maxTotalBytes: most content bytes written (default 32 GiB).
        public init(maxEntries: Int = 1_000_000, maxTotalBytes: Int64 = 32 << 30) {
            self.maxEntries = maxEntries
            self.maxTotalBytes = maxTotalBytes
        }
    }

    /// What an extraction produced.
    public struct Summary: Sendable, Hashable {
        public var entries: Int
        public var bytes: Int64
    }

    /// File name endings recognised as archives (lower-cased comparison).
    public static let suffixes = [".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst"]

    /// True when `name` ends with one of `suffixes`.
    public static func isArchiveName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return suffixes.contains { lower.hasSuffix($0) }
    }

    /// Extracts `archive` into `directory`, which must exist and be empty.
    /// - Throws: `LayerBuilderError.unsafeArchiveEntry` for a refused entry, `.archiveLimit` past the
    ///   limits, `.libarchive` when the file is not a readable archive, `.io` for write failures.
    ///   On error the directory may hold a partial result; the caller discards it.
    @discardableResult
    public static func extract(archive: String, into directory: String, limits: Limits = Limits()) throws -> Summary {
        guard let a = archive_read_new() else {
            throw LayerBuilderError.libarchive(path: archive, message: "archive_read_new failed")
        }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_zip(a)
        func failure(_ fallback: String) -> LayerBuilderError {
            .libarchive(path: archive, message: archive_error_string(a).map { String(cString: $0) } ?? fallback)
        }
        guard archive_read_open_filename(a, archive, streamChunkSize) == ARCHIVE_OK else { throw failure("cannot open") }

        var writer = ExtractionWriter(archive: archive, root: directory, limits: limits)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: streamChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var entry: OpaquePointer?
        while true {
            let rc = archive_read_next_header(a, &entry)
            if rc == ARCHIVE_EOF { break }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let e = entry else { throw failure("read error \(rc)") }
            let name = archive_entry_pathname_utf8(e).map { String(cString: $0) }
                ?? archive_entry_pathname(e).map { String(cString: $0) } ?? ""
            let hardlink = archive_entry_hardlink_utf8(e).map { String(cString: $0) }
                ?? archive_entry_hardlink(e).map { String(cString: $0) }
            let symlinkTarget = archive_entry_symlink_utf8(e).map { String(cString: $0) }
                ?? archive_entry_symlink(e).map { String(cString: $0) }
            let type = UInt32(archive_entry_filetype(e))
            let perm = UInt32(archive_entry_perm(e))
            try writer.begin(name: name, type: type, perm: perm, hardlink: hardlink, symlinkTarget: symlinkTarget)
            if writer.expectsContent {
                while true {
                    let n = archive_read_data(a, buffer.baseAddress, buffer.count)
                    if n < 0 { throw failure("cannot read the content of '\(name)'") }
                    if n == 0 { break }
                    try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            }
            try writer.end()
        }
        try writer.finish()
        return Summary(entries: writer.entryCount, bytes: writer.totalBytes)
    }
}

/// The file-system side of an extraction: validates each entry, then creates it with
/// `O_NOFOLLOW`/`O_EXCL` relative to a root that no entry may leave.
private struct ExtractionWriter {
    let archive: String
    let root: String
    let limits: ArchiveExtractor.Limits
    private(set) var entryCount = 0
    private(set) var totalBytes: Int64 = 0
    private var current: (fd: Int32, name: String)?
    /// Regular files written so far (normalised names), the only valid hard-link targets.
    private var regularFiles = Set<String>()
    /// Directory modes applied at the end, so a read-only directory can still receive its children.
    private var directoryModes: [(String, UInt32)] = []

    init(archive: String, root: String, limits: ArchiveExtractor.Limits) {
        self.archive = archive
        self.root = root
        self.limits = limits
    }

    var expectsContent: Bool { current != nil }

    private func refuse(_ name: String, _ reason: String) -> LayerBuilderError {
        .unsafeArchiveEntry(archive: archive, entry: name, reason: reason)
    }

    /// Splits an archive member name into safe components (`\` counts as a separator too, as Windows
    /// tools write it), or throws naming the problem.
    func components(_ name: String, what: String = "entry") throws -> [String] {
        let u = Array(name.utf8)
        if u.first == UInt8(ascii: "/") || u.first == UInt8(ascii: "\\") {
            throw refuse(name, "the \(what) name is absolute; archives for --add must use relative names")
        }
        if u.count >= 2, u[1] == UInt8(ascii: ":"), (u[0] | 0x20) >= UInt8(ascii: "a"), (u[0] | 0x20) <= UInt8(ascii: "z") {
            throw refuse(name, "the \(what) name starts with a drive letter (an absolute Windows path)")
        }
        let parts = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init).filter { $0 != "." }
        if parts.contains("..") {
            throw refuse(name, "the \(what) name contains '..' and would be written outside the destination (path traversal)")
        }
        if name.utf8.contains(0) { throw refuse(name, "the \(what) name contains a NUL byte") }
        return parts
    }

    mutating func begin(name: String, type: UInt32, perm: UInt32, hardlink: String?, symlinkTarget: String?) throws {
        entryCount += 1
        guard entryCount <= limits.maxEntries else {
            throw LayerBuilderError.archiveLimit(archive: archive, reason: "it has more than \(limits.maxEntries) entries")
        }
        let parts = try components(name)
        if parts.isEmpty { return }  // "./" itself
        let rel = parts.joined(separator: "/")
        try makeParents(parts, name: name)
        let full = root + "/" + rel

        if let hardlink {
            let target = try components(hardlink, what: "hard link target").joined(separator: "/")
            guard regularFiles.contains(target) else {
                throw refuse(name, "it is a hard link to '\(hardlink)', which is not a regular file earlier in the archive")
            }
            try removeExisting(full, name: name)
            guard link(root + "/" + target, full) == 0 else { throw io("link", full) }
            regularFiles.insert(rel)
            return
        }
        switch type {
        case 0o040000:  // AE_IFDIR
            var st = stat()
            if lstat(full, &st) == 0 {
                guard st.st_mode & S_IFMT == S_IFDIR else {
                    throw refuse(name, "a directory of this name follows a file or link of the same name")
                }
            } else if mkdir(full, 0o755) != 0 {
                throw io("mkdir", full)
            }
            directoryModes.append((full, (perm & 0o7777) | 0o700))
        case 0o120000:  // AE_IFLNK
            let target = symlinkTarget ?? ""
            try checkSymlink(name: name, parts: parts, target: target)
            try removeExisting(full, name: name)
            guard posixSymlink(target, full) == 0 else { throw io("symlink", full) }
        case 0o100000, 0:  // AE_IFREG (zip entries without a type are files)
            try removeExisting(full, name: name)
            let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw io("create", full) }
            // Owner read/write always, so the result can be read back and later removed.
            fchmod(fd, mode_t((perm & 0o7777) | 0o600))
            current = (fd, name)
            regularFiles.insert(rel)
        default:
            throw refuse(name, "it is a device, FIFO or socket; only files, directories and links can be added")
        }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let (fd, name) = current else { return }
        totalBytes += Int64(bytes.count)
        guard totalBytes <= limits.maxTotalBytes else {
            throw LayerBuilderError.archiveLimit(archive: archive, reason: "it unpacks to more than \(limits.maxTotalBytes) bytes (at '\(name)')")
        }
        var off = 0
        while off < bytes.count {
            let n = posixWrite(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 { if errno == EINTR { continue }; throw io("write", root + "/" + name) }
            off += n
        }
    }

    mutating func end() throws {
        if let (fd, name) = current {
            current = nil
            guard close(fd) == 0 else { throw io("close", root + "/" + name) }
        }
    }

    func finish() throws {
        // Deepest first, so restricting a parent never blocks the chmod of a child.
        for (path, mode) in directoryModes.reversed() where chmod(path, mode_t(mode)) != 0 {
            throw io("chmod", path)
        }
    }

    /// A link's target, resolved against the link's own directory, must stay inside the root.
    private func checkSymlink(name: String, parts: [String], target: String) throws {
        if target.isEmpty { throw refuse(name, "it is a symbolic link with an empty target") }
        if target.hasPrefix("/") || target.hasPrefix("\\") || (target.utf8.count >= 2 && Array(target.utf8)[1] == UInt8(ascii: ":")) {
            throw refuse(name, "it is a symbolic link to the absolute path '\(target)', which escapes the archive; only relative links inside it are accepted")
        }
        var depth = parts.count - 1
        for part in target.split(whereSeparator: { $0 == "/" || $0 == "\\" }) where part != "." {
            depth += part == ".." ? -1 : 1
            if depth < 0 {
                throw refuse(name, "it is a symbolic link to '\(target)', which points outside the archive (path traversal)")
            }
        }
    }

    /// Creates missing parents and refuses to write through an existing symbolic link.
    private func makeParents(_ parts: [String], name: String) throws {
        var path = root
        for part in parts.dropLast() {
            path += "/" + part
            var st = stat()
            if lstat(path, &st) == 0 {
                if st.st_mode & S_IFMT == S_IFLNK {
                    throw refuse(name, "it would be written through the symbolic link '\(part)' (a link-then-write traversal)")
                }
                guard st.st_mode & S_IFMT == S_IFDIR else {
                    throw refuse(name, "its parent '\(part)' is a file in the archive, not a directory")
                }
            } else if mkdir(path, 0o755) != 0 {
                throw io("mkdir", path)
            }
        }
    }

    /// A later member of the same name replaces an earlier file or link (tar semantics).
    private func removeExisting(_ full: String, name: String) throws {
        var st = stat()
        guard lstat(full, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw refuse(name, "a file or link of this name follows a directory of the same name")
        }
        guard unlink(full) == 0 else { throw io("unlink", full) }
    }

    private func io(_ op: String, _ path: String) -> LayerBuilderError {
        .io(operation: op, path: path, reason: errnoDescription())
    }
}

private func posixSymlink(_ target: String, _ path: String) -> Int32 { symlink(target, path) }
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
