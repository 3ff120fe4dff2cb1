import CArchive
import Foundation

/// Finds named files in an image's layers, read as streams, newest layer first.
///
/// Reading top-down, the first layer that has a path wins (later layers are older), and a
/// whiteout (`.wh.NAME`, or `.wh..wh..opq` for a whole directory) hides the path from the layers
/// below it, so the result is what the image's file system shows. Windows layers are read under
/// their `Files/` root with case-insensitive names; hard links (common in Windows base layers)
/// are resolved to their target's content with a second pass over the same layer when the
/// target was not kept on the first one.
public struct LayerSearch: Sendable {
    /// One file found, with its content in `staging`.
    public struct Found: Sendable, Hashable {
        /// Container path as the layer spells it, without a leading `/`.
        public var path: String
        /// The request (index into `requests`) it answers.
        public var request: Int
        /// Host file with the content (nil for symbolic links).
        public var file: String?
        /// Symbolic link target (Linux layers).
        public var symlink: String?
        public var mode: UInt32
    }

    public let format: LayerFormat
    /// The paths asked for, normalised (no leading `/`); may contain `*`, `?`, `[…]`.
    public let requests: [String]
    public private(set) var found: [String: Found] = [:]
    /// Layer bytes read over all passes (compressed), for reporting.
    public var bytesRead: Int64 = 0
    private var remaining: Set<String>
    private var hidden = Set<String>()
    private var opaque = Set<String>()
    private var hiddenRequests: [String: String] = [:]
    private let globs: Bool
    private var counter = 0

    /// - Throws: `LayerBuilderError.invalidPath` for a request with `..` or nothing in it.
    public init(format: LayerFormat, requests: [String]) throws {
        self.format = format
        self.requests = try requests.map { raw in
            let parts = raw.split(separator: "/").filter { $0 != "." }
            guard !parts.isEmpty, !parts.contains("..") else {
                throw LayerBuilderError.invalidPath(raw, reason: "name a file inside the source image, e.g. /Windows/System32/netapi32.dll")
            }
            return parts.joined(separator: "/")
        }
        globs = self.requests.contains { $0.contains { "*?[".contains($0) } }
        remaining = Set(self.requests.filter { !$0.contains { "*?[".contains($0) } }.map { format == .windows ? $0.uppercased() : $0 })
    }

    /// True when every request is answered and none is a pattern: no older layer can change the result.
    public var isComplete: Bool { !globs && remaining.isEmpty }

    /// Requests without a match, each with why (`nil`: absent; else the whiteout that removed it).
    public var missing: [(String, String?)] {
        requests.enumerated().filter { i, r in !found.values.contains { $0.request == i } }
            .map { _, r in (r, hiddenRequests[key(r)]) }
    }

    private func key(_ p: String) -> String { format == .windows ? p.uppercased() : p }

    private func isHidden(_ k: String) -> Bool {
        if hidden.contains(k) { return true }
        var prefix = Substring(k)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            if hidden.contains(String(prefix)) || opaque.contains(String(prefix)) { return true }
        }
        return false
    }

    private func match(_ path: String) -> Int? {
        let k = key(path)
        for (i, r) in requests.enumerated() {
            if r.contains(where: { "*?[".contains($0) }) {
                if fnmatch(r, path, FNM_PATHNAME | (format == .windows ? 1 << 4 /* FNM_CASEFOLD */ : 0)) == 0 { return i }
            } else if key(r) == k {
                return i
            }
        }
        return nil
    }

    /// Member name → container path: `./` and `/` dropped; Windows layers keep only `Files/…`.
    private func containerPath(_ name: String) -> String? {
        var s = Substring(name)
        while s.hasPrefix("./") { s = s.dropFirst(2) }
        while s.hasPrefix("/") { s = s.dropFirst() }
        while s.hasSuffix("/") { s = s.dropLast() }
        if format == .windows {
            guard s.count > 6, s.prefix(6).uppercased() == "FILES/" else { return nil }
            s = s.dropFirst(6)
        }
        return s.isEmpty ? nil : String(s)
    }

    /// Reads one layer (tar, gzip/zstd/xz auto-detected) from `channel` on the calling thread,
    /// which blocks: run it through `scanning`. Closes the channel's reader as soon as the search
    /// is complete, so the download stops early.
    /// - Returns: hard links whose target must be read in a second pass (`linkTargets`).
    mutating func scan(_ channel: ByteChannel, layer: String, staging: String,
                       linkTargets wanted: [String: [String]] = [:]) throws -> [String: [String]] {
        let reader = ChannelReader(channel: channel)
        defer { reader.release() }
        guard let a = archive_read_new() else { throw LayerBuilderError.libarchive(path: layer, message: "archive_read_new failed") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_tar(a)
        func failure(_ fallback: String) -> any Error {
            reader.error ?? LayerBuilderError.libarchive(path: layer, message: archive_error_string(a).map { String(cString: $0) } ?? fallback)
        }
        let context = Unmanaged.passUnretained(reader).toOpaque()
        guard archive_read_open(a, context, nil, { _, ctx, buffer in
            Unmanaged<ChannelReader>.fromOpaque(ctx!).takeUnretainedValue().next(buffer!)
        }, nil) == ARCHIVE_OK else { throw failure("cannot open the layer stream") }

        var newHidden = Set<String>(), newOpaque = Set<String>()
        var kept: [String: String] = [:]          // key -> staged file, this layer
        var pending: [String: [String]] = [:]      // target key -> link keys
        var stoppedEarly = false
        var thisLayer = Set<String>()
        var entry: OpaquePointer?
        while true {
            let rc = archive_read_next_header(a, &entry)
            if rc == ARCHIVE_EOF { break }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let e = entry else { throw failure("read error \(rc)") }
            let name = archive_entry_pathname_utf8(e).map { String(cString: $0) } ?? archive_entry_pathname(e).map { String(cString: $0) } ?? ""
            guard let path = containerPath(name) else { continue }
            let k = key(path)
            let hardlink = archive_entry_hardlink(e).map { String(cString: $0) }
            let type = UInt32(archive_entry_filetype(e))

            if !wanted.isEmpty {  // second pass: only link targets
                if hardlink == nil, type == 0o100000, let links = wanted[k] {
                    let file = try stage(a, staging: staging, layer: layer)
                    for l in links { kept[l] = file }
                    if kept.count == wanted.values.reduce(0, { $0 + $1.count }) { stoppedEarly = true; break }
                }
                continue
            }
            let base = path.split(separator: "/").last.map(String.init) ?? path
            if base.hasPrefix(".wh.") {
                let parent = path.contains("/") ? String(k[..<k.lastIndex(of: "/")!]) : ""
                if base == ".wh..wh..opq" { newOpaque.insert(parent) } else {
                    let gone = (parent.isEmpty ? "" : parent + "/") + key(String(base.dropFirst(4)))
                    newHidden.insert(gone)
                    if remaining.contains(gone) { hiddenRequests[gone] = "\(layer) deletes it (\(name))" }
                }
                continue
            }
            // Taken by a newer layer: hidden here. Repeated in this layer: the later member wins.
            guard found[k] == nil || thisLayer.contains(k), !isHidden(k),
                  let request = match(path) else { continue }
            let mode = UInt32(archive_entry_perm(e))
            if let hardlink {
                guard let target = containerPath(hardlink) else {
                    throw LayerBuilderError.invalidHardLink(path: name, target: hardlink, reason: "the target is outside the layer's file tree")
                }
                let tk = key(target)
                if let file = kept[tk] {
                    found[k] = Found(path: path, request: request, file: file, mode: mode)
                } else {
                    pending[tk, default: []].append(k)
                    found[k] = Found(path: path, request: request, file: nil, mode: mode)
                }
            } else if type == 0o100000 {
                let file = try stage(a, staging: staging, layer: layer)
                kept[k] = file
                found[k] = Found(path: path, request: request, file: file, mode: mode)
            } else if type == 0o120000 {
                let target = archive_entry_symlink(e).map { String(cString: $0) } ?? ""
                guard format == .linux else {
                    throw LayerBuilderError.invalidHardLink(path: "/" + path, target: target, reason: "it is a symbolic link in a Windows layer; name the file it points to instead")
                }
                found[k] = Found(path: path, request: request, file: nil, symlink: target, mode: 0o777)
            } else {
                continue
            }
            thisLayer.insert(k)
            remaining.remove(k)
            // Pending hard links do not keep this pass going: their targets come earlier in the
            // tar, so the second pass stops at the last of them too.
            if isComplete { stoppedEarly = true; break }
        }
        if !wanted.isEmpty {
            for (k, file) in kept { found[k]?.file = file }
            if stoppedEarly { channel.closeReader() } else { try reader.drain() }
            return [:]
        }
        hidden.formUnion(newHidden)
        opaque.formUnion(newOpaque)
        if stoppedEarly { channel.closeReader() } else { try reader.drain() }
        return pending
    }

    private mutating func stage(_ a: OpaquePointer, staging: String, layer: String) throws -> String {
        counter += 1
        let path = staging + "/f\(counter)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LayerBuilderError.io(operation: "create", path: path, reason: errnoDescription()) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = archive_read_data(a, buffer.baseAddress, buffer.count)
            if n < 0 { throw LayerBuilderError.libarchive(path: layer, message: archive_error_string(a).map { String(cString: $0) } ?? "read error") }
            if n == 0 { return path }
            var off = 0
            while off < n {
                let w = write(fd, buffer.baseAddress! + off, n - off)
                guard w > 0 else { throw LayerBuilderError.io(operation: "write", path: path, reason: errnoDescription()) }
                off += w
            }
        }
    }

    /// Runs `scan` on a thread of its own (libarchive pulls bytes synchronously) and returns the
    /// updated search. On failure the channel is closed so the producer stops.
    public func scanning(_ channel: ByteChannel, layer: String, staging: String,
                         linkTargets: [String: [String]] = [:]) async throws -> (LayerSearch, [String: [String]]) {
        let start = self
        return try await withCheckedThrowingContinuation { c in
            Thread {
                var s = start
                do {
                    let pending = try s.scan(channel, layer: layer, staging: staging, linkTargets: linkTargets)
                    c.resume(returning: (s, pending))
                } catch {
                    channel.closeReader()
                    c.resume(throwing: error)
                }
            }.start()
        }
    }
}

/// libarchive's read callback over a `ByteChannel`: each chunk is copied into a buffer that stays
/// valid until the next call, as libarchive requires.
private final class ChannelReader {
    let channel: ByteChannel
    var error: (any Error)?
    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    init(channel: ByteChannel) { self.channel = channel }

    func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        do {
            while let chunk = try channel.receive() {
                if chunk.isEmpty { continue }
                if chunk.count > buffer.count {
                    buffer.deallocate()
                    buffer = .allocate(byteCount: chunk.count, alignment: 16)
                }
                chunk.withUnsafeBytes { buffer.copyMemory(from: $0) }
                out.pointee = UnsafeRawPointer(buffer.baseAddress)
                return chunk.count
            }
            return 0
        } catch {
            self.error = error
            return -1
        }
    }

    /// Reads what libarchive left (trailing padding), so the producer reaches the end and checks the digest.
    func drain() throws { while try channel.receive() != nil {} }

    func release() { buffer.deallocate() }
}
