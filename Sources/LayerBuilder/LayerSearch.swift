import CArchive
import Foundation

/// Finds named files and directory trees in an image's layers, read as streams, newest layer first.
///
/// Reading top-down, the first layer that has a path wins (later layers are older), and a
/// whiteout (`.wh.NAME`, or `.wh..wh..opq` for a whole directory) hides the path from the layers
/// below it, so the result is what the image's file system shows. A request naming a directory
/// takes everything below it (files, links, directories), merged over all layers the same way.
/// Windows layers are read under their `Files/` root with case-insensitive names; hard links
/// (common in Windows base layers) are resolved to their target's content with a second pass
/// over the same layer when the target was not kept on the first one.
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
        /// A directory inside (or at the top of) a requested tree.
        public var isDirectory = false
    }

    public let format: LayerFormat
    /// The paths asked for, normalised (no leading `/`; a trailing `/` kept: only a directory
    /// answers it); may contain `*`, `?`, `[…]` and `**`.
    public let requests: [String]
    let parsed: [Request]
    /// `parsed` texts as compared (upper case in Windows layers).
    private let requestKeys: [String]
    public private(set) var found: [String: Found] = [:]
    /// Layer bytes read over all passes (compressed), for reporting.
    public var bytesRead: Int64 = 0
    private var remaining: Set<String>
    private var hidden = Set<String>()
    private var opaque = Set<String>()
    private var hiddenRequests: [String: String] = [:]
    /// Exact requests found to be directories: older layers may still add to their trees.
    private var trees = Set<Int>()
    private let exactKeys: Set<String>
    private let folderKeys: Set<String>
    private let globs: Bool
    private var counter = 0

    /// - Throws: `LayerBuilderError.invalidPath` for a request with `..` or nothing in it.
    public init(format: LayerFormat, requests: [String]) throws {
        self.format = format
        let parsed = try requests.map(Request.init)
        let keys = parsed.map { format == .windows ? $0.text.uppercased() : $0.text }
        self.parsed = parsed
        requestKeys = keys
        self.requests = parsed.map { $0.text + ($0.directoryOnly ? "/" : "") }
        globs = parsed.contains(where: \.isPattern)
        remaining = Set(parsed.indices.filter { !parsed[$0].isPattern && !parsed[$0].directoryOnly }.map { keys[$0] })
        trees = Set(parsed.indices.filter { parsed[$0].directoryOnly })
        folderKeys = Set(parsed.indices.filter { parsed[$0].directoryOnly }.map { keys[$0] })
        exactKeys = Set(parsed.indices.filter { !parsed[$0].isPattern }.map { keys[$0] })
    }

    /// True when no older layer can change the result: every exact path is answered, none is a
    /// pattern, and every requested tree is sealed by a whiteout or opaque directory already read.
    public var isComplete: Bool {
        !globs && remaining.isEmpty && trees.allSatisfy { isHidden(requestKeys[$0] + "/*") }
    }

    /// How many leading names of `requests[i]` a destination folder replaces (see `Request.anchor`).
    public func anchor(of i: Int) -> Int { parsed[i].anchor }

    /// Whether `requests[i]` is one exact path (a file, or a directory with its tree).
    public func isExact(_ i: Int) -> Bool { !parsed[i].isPattern }

    /// Requests without a match, each with why (`nil`: absent; else the whiteout that removed it).
    public var missing: [(String, String?)] {
        let answered = Set(found.values.map(\.request))
        return requests.indices.filter { i in !answered.contains(i) && !found.values.contains { answers(i, $0) } }.map { i in
            (requests[i], hiddenRequests[requestKeys[i]])
        }
    }

    private func key(_ p: String) -> String { format == .windows ? p.uppercased() : p }

    /// Hidden by a newer layer: whited out, below an opaque directory or a whiteout, or below a
    /// path a newer layer made a file.
    private func isHidden(_ k: String) -> Bool {
        if hidden.contains(k) { return true }
        var prefix = Substring(k)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            let p = String(prefix)
            if hidden.contains(p) || opaque.contains(p) { return true }
            if let f = found[p], !f.isDirectory { return true }
        }
        return false
    }

    /// How `path` answers request `i`: `.exact` (the path itself), `.inside` (in its tree) or nil.
    private enum Answer { case exact, inside }

    private func answer(_ i: Int, _ path: String, k: String) -> Answer? {
        let r = parsed[i]
        if r.isPattern {
            return r.matches(path.split(separator: "/"), caseFold: format == .windows) ? .exact : nil
        }
        let rk = requestKeys[i]
        if k == rk { return .exact }
        // Byte views: counting and indexing are O(1) there, and this runs for every member of a layer.
        let ku = k.utf8, ru = rk.utf8
        return ku.count > ru.count && ku.starts(with: ru) && ku[ku.index(ku.startIndex, offsetBy: ru.count)] == UInt8(ascii: "/") ? .inside : nil
    }

    /// Whether a found entry (taken for another request) also answers request `i`.
    private func answers(_ i: Int, _ f: Found) -> Bool {
        switch answer(i, f.path, k: key(f.path)) {
        case nil: return false
        case .inside: return true
        case .exact: return parsed[i].isPattern ? !f.isDirectory : (f.isDirectory || !parsed[i].directoryOnly)
        }
    }

    /// The first request `path` answers, as a file (or link) or, when `directory`, as a tree
    /// member. Patterns take files and links only; a directory answers exact requests only.
    private func match(_ path: String, directory: Bool) -> (Int, Answer)? {
        let k = key(path)
        for i in parsed.indices {
            guard let a = answer(i, path, k: k) else { continue }
            if parsed[i].isPattern && directory { continue }
            // A file at a path asked for with a trailing `/` does not answer it.
            if a == .exact && parsed[i].directoryOnly && !directory { continue }
            return (i, a)
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
            // `NAME:STREAM` members are alternate data streams of NAME (e.g. Zone.Identifier),
            // which a layer built here cannot carry; a copied tree goes without them.
            if format == .windows, base.contains(":") { continue }
            if base.hasPrefix(".wh.") {
                let parent = path.contains("/") ? String(k[..<k.lastIndex(of: "/")!]) : ""
                if base == ".wh..wh..opq" { newOpaque.insert(parent) } else {
                    let gone = (parent.isEmpty ? "" : parent + "/") + key(String(base.dropFirst(4)))
                    newHidden.insert(gone)
                    if exactKeys.contains(gone), found[gone] == nil {
                        hiddenRequests[gone] = "\(layer) deletes it (\(name))"
                    }
                }
                continue
            }
            // Taken by a newer layer: hidden here. Repeated in this layer: the later member wins.
            let isDirectory = type == 0o040000 && hardlink == nil
            if !isDirectory, folderKeys.contains(k), found[k] == nil, !isHidden(k) {
                throw LayerBuilderError.invalidPath("/" + path + "/", reason: "it is a file in \(layer), not a folder; drop the trailing / to copy the file")
            }
            guard found[k] == nil || thisLayer.contains(k), !isHidden(k),
                  let matched = match(path, directory: isDirectory) else { continue }
            let (request, how) = matched
            let mode = UInt32(archive_entry_perm(e))
            if isDirectory || how == .inside {
                // The request names a directory: its whole tree, from every layer.
                if remaining.remove(requestKeys[request]) != nil { trees.insert(request) }
            }
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
                    let fix = how == .inside ? "copy the rest of the folder with paths or globs that leave it out, and the file it points to on its own"
                                             : "name the file it points to instead"
                    throw LayerBuilderError.invalidHardLink(path: "/" + path, target: target, reason: "it is a symbolic link in a Windows layer; \(fix)")
                }
                found[k] = Found(path: path, request: request, file: nil, symlink: target, mode: 0o777)
            } else if isDirectory {
                found[k] = Found(path: path, request: request, file: nil, mode: mode, isDirectory: true)
            } else {
                continue
            }
            thisLayer.insert(k)
            if !isDirectory, how == .exact { remaining.remove(k) }
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
