/// Streaming ustar/PAX reader (with GNU long-name support, for layers made by GNU tar).
///
/// `next()` returns members in order and positions the input at the member's content;
/// `readContent()` returns it, otherwise `next()` skips it.
struct TarReader {
    private let input: ArchiveInput
    private var path: String { input.path }
    /// Content plus padding bytes of the current member not consumed yet.
    private var pendingContent: Int64 = 0
    private var pendingPadding = 0
    private var globalRecords: [String: String] = [:]
    private var finished = false

    /// Largest PAX / GNU long-name member we accept; real ones are a few hundred bytes, and a cap
    /// keeps a corrupt size field from allocating gigabytes.
    private static let maxMetadataSize: Int64 = 1 << 20

    init(path: String) throws { input = try ArchiveInput(path: path) }

    /// The next member, or nil after the end-of-archive marker.
    mutating func next() throws -> TarEntryInfo? {
        guard !finished else { return nil }
        try skipPending()
        var local: [String: String] = [:]
        var gnuLongName: String?
        var gnuLongLink: String?
        while true {
            let headerOffset = input.offset
            guard let block = try readBlock(what: "a header") else {
                throw LayerBuilderError.truncatedArchive(path: path, reason: "the tar stream ends at offset \(headerOffset) without the end-of-archive marker (two zero blocks)")
            }
            if block.allSatisfy({ $0 == 0 }) {
                // End of archive. The second zero block is checked loosely: some writers stop
                // after one, and nothing after the marker can change the listing.
                _ = try readBlock(what: "the end-of-archive marker", allowShort: true)
                if input.isCompressed { try input.drain() }
                finished = true
                return nil
            }
            try verifyChecksum(block, at: headerOffset)
            let type = block[UstarField.typeflag]
            let size = try number(block, UstarField.size, "size", at: headerOffset)
            switch type {
            case 0x78, 0x67:  // 'x' (next member) and 'g' (all following members) PAX headers
                let records = try parsePAX(readMetadata(size: size, at: headerOffset), at: headerOffset)
                if type == 0x78 { local.merge(records) { $1 } } else { globalRecords.merge(records) { $1 } }
                continue
            case 0x4C, 0x4B:  // GNU 'L' long name / 'K' long link name
                let bytes = try readMetadata(size: size, at: headerOffset)
                let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                if type == 0x4C { gnuLongName = text } else { gnuLongLink = text }
                continue
            default:
                break
            }
            let records = globalRecords.merging(local) { $1 }
            var name = cString(block, UstarField.name)
            let isPOSIX = block[UstarField.magic].elementsEqual("ustar\0".utf8)
            if isPOSIX {
                let prefix = cString(block, UstarField.prefix)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            var entry = TarEntryInfo(
                name: records["path"] ?? gnuLongName ?? name,
                type: type,
                mode: UInt32(truncatingIfNeeded: try number(block, UstarField.mode, "mode", at: headerOffset)),
                size: size,
                mtime: try number(block, UstarField.mtime, "mtime", at: headerOffset),
                uid: Int(try number(block, UstarField.uid, "uid", at: headerOffset)),
                gid: Int(try number(block, UstarField.gid, "gid", at: headerOffset)),
                linkName: records["linkpath"] ?? gnuLongLink ?? cString(block, UstarField.linkName),
                paxRecords: records)
            if let s = records["size"] {
                guard let v = Int64(s), v >= 0 else { throw corrupt("PAX size '\(s)' is not a number", at: headerOffset) }
                entry.size = v
            }
            if let m = records["mtime"] {
                // PAX times may carry a fraction ("1655126444.569416244"); keep whole seconds.
                guard let v = Int64(m.split(separator: ".", maxSplits: 1).first ?? "") else {
                    throw corrupt("PAX mtime '\(m)' is not a number", at: headerOffset)
                }
                entry.mtime = v
            }
            if let u = records["uid"], let v = Int(u) { entry.uid = v }
            if let g = records["gid"], let v = Int(g) { entry.gid = v }
            // Header-only types carry no content even when the size field is set (as in Go's reader).
            let hasContent = ![0x31, 0x32, 0x33, 0x34, 0x35, 0x36].contains(type)
            pendingContent = hasContent ? entry.size : 0
            pendingPadding = hasContent ? padding(entry.size) : 0
            return entry
        }
    }

    /// The content of the member last returned by `next()`.
    /// Grows the buffer as content arrives instead of trusting the size field up front, so a
    /// corrupt or hostile size (up to 2^63) fails as a truncated archive, not as a huge allocation.
    mutating func readContent() throws -> [UInt8] {
        let total = pendingContent
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: Int(min(total, Int64(streamChunkSize))))
        while Int64(bytes.count) < total {
            let want = Int(min(total - Int64(bytes.count), Int64(chunk.count)))
            let n = try chunk.withUnsafeMutableBytes { try input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            bytes.append(contentsOf: chunk[0..<n])
            guard n == want else {
                pendingContent = total - Int64(bytes.count)
                throw LayerBuilderError.truncatedArchive(path: path, reason: "member content ends after \(bytes.count) of \(total) bytes")
            }
        }
        pendingContent = 0
        return bytes
    }

    private mutating func skipPending() throws {
        var remaining = pendingContent + Int64(pendingPadding)
        pendingContent = 0
        pendingPadding = 0
        guard remaining > 0 else { return }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: streamChunkSize, alignment: 16)
        defer { scratch.deallocate() }
        while remaining > 0 {
            let want = Int(min(remaining, Int64(scratch.count)))
            let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<want]))
            guard n == want else {
                throw LayerBuilderError.truncatedArchive(path: path, reason: "member content ends early, \(remaining - Int64(n)) bytes missing at offset \(input.offset)")
            }
            remaining -= Int64(n)
        }
    }

    private func readBlock(what: String, allowShort: Bool = false) throws -> [UInt8]? {
        var block = [UInt8](repeating: 0, count: tarBlockSize)
        let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
        if n == tarBlockSize { return block }
        if n == 0 || allowShort { return nil }
        throw LayerBuilderError.truncatedArchive(path: path, reason: "\(what) at offset \(input.offset - Int64(n)) is cut short (\(n) of 512 bytes)")
    }

    private func readMetadata(size: Int64, at offset: Int64) throws -> [UInt8] {
        guard size <= Self.maxMetadataSize else {
            throw corrupt("extended header of \(size) bytes is larger than the \(Self.maxMetadataSize)-byte limit", at: offset)
        }
        var bytes = [UInt8](repeating: 0, count: Int(size) + padding(size))
        let n = try bytes.withUnsafeMutableBytes { try input.read(into: $0) }
        guard n == bytes.count else {
            throw LayerBuilderError.truncatedArchive(path: path, reason: "extended header at offset \(offset) is cut short")
        }
        return Array(bytes[0..<Int(size)])
    }

    private func verifyChecksum(_ block: [UInt8], at offset: Int64) throws {
        let stored = try number(block, UstarField.checksum, "checksum", at: offset)
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (i, b) in block.enumerated() {
            let v: UInt8 = UstarField.checksum.contains(i) ? 0x20 : b
            unsigned += Int64(v)
            signed += Int64(Int8(bitPattern: v))
        }
        // Some historic writers summed signed chars; POSIX readers accept both.
        guard stored == unsigned || stored == signed else {
            throw corrupt("header checksum mismatch (stored \(stored), computed \(unsigned)); the file is not a tar archive or is corrupted", at: offset)
        }
    }

    /// A numeric header field: octal text (NUL/space terminated) or GNU base-256 (high bit set).
    private func number(_ block: [UInt8], _ field: Range<Int>, _ label: String, at offset: Int64) throws -> Int64 {
        let bytes = block[field]
        if let first = bytes.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw corrupt("\(label) field holds a negative base-256 value", at: offset) }
            var value: UInt64 = 0
            for b in bytes.dropFirst() {
                guard value >> 55 == 0 else { throw corrupt("\(label) field overflows 63 bits", at: offset) }
                value = value << 8 | UInt64(b)
            }
            return Int64(value)
        }
        var value: Int64 = 0
        var seenDigit = false
        for b in bytes {
            if b >= 0x30 && b <= 0x37 {
                value = value * 8 + Int64(b - 0x30)
                seenDigit = true
            } else if b == 0 || b == 0x20 {
                if seenDigit { break }  // terminator; leading spaces/NULs are padding
            } else {
                throw corrupt("\(label) field is not octal", at: offset)
            }
        }
        return value
    }

    private func cString(_ block: [UInt8], _ field: Range<Int>) -> String {
        String(decoding: block[field].prefix { $0 != 0 }, as: UTF8.self)
    }

    private func parsePAX(_ data: [UInt8], at offset: Int64) throws -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  length > space - i + 1, i + length <= data.count, data[i + length - 1] == 0x0A,
                  let eq = data[(space + 1)..<(i + length)].firstIndex(of: 0x3D) else {
                throw corrupt("malformed PAX record at byte \(i) of the extended header", at: offset)
            }
            let key = String(decoding: data[(space + 1)..<eq], as: UTF8.self)
            let value = String(decoding: data[(eq + 1)..<(i + length - 1)], as: UTF8.self)
            records[key] = value
            i += length
        }
        return records
    }

    private func corrupt(_ reason: String, at offset: Int64) -> LayerBuilderError {
        .corruptArchive(path: path, reason: "\(reason) (header at uncompressed offset \(offset))")
    }
}
