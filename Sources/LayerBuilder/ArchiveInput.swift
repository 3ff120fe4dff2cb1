import CZlib

/// Reads the bytes of a tar stream from a file, transparently gunzipping when the file starts with
/// the gzip magic `1f 8b`. Used by `LayerReader`; streams with a 1 MiB input buffer.
final class ArchiveInput {
    let path: String
    private let file: POSIXFile
    private let raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0
    private var rawEnd = 0
    private var rawEOF = false
    private var inflater: UnsafeMutablePointer<z_stream>?
    private var gzipEnded = false
    /// Uncompressed bytes delivered so far (for error messages).
    private(set) var offset: Int64 = 0

    /// True when the file is gzip-compressed.
    var isGzip: Bool { inflater != nil }

    init(path: String) throws {
        self.path = path
        self.file = try POSIXFile.openForReading(path)
        self.raw = .allocate(byteCount: streamChunkSize, alignment: 16)
        try refill()
        if rawEnd - rawStart >= 2, raw[rawStart] == 0x1f, raw[rawStart + 1] == 0x8b {
            let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            z.initialize(to: z_stream())
            // windowBits 15 + 16: expect a gzip wrapper and verify its CRC-32 and length trailer.
            let rc = inflateInit2_(z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                z.deallocate()
                raw.deallocate()
                throw LayerBuilderError.compression("inflateInit2 failed (\(rc))")
            }
            inflater = z
        }
    }

    deinit {
        if let z = inflater {
            inflateEnd(z)
            z.deallocate()
        }
        raw.deallocate()
    }

    private func refill() throws {
        guard !rawEOF else { return }
        if rawStart == rawEnd { rawStart = 0; rawEnd = 0 }
        let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[rawEnd...]))
        if n == 0 { rawEOF = true }
        rawEnd += n
    }

    /// Fills `dest` completely unless the stream ends first; returns the number of bytes read.
    func read(into dest: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < dest.count {
            let n = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: dest[filled...]))
            if n == 0 { break }
            filled += n
        }
        offset += Int64(filled)
        return filled
    }

    /// Reads the rest of the stream and discards it, so a gzip file's CRC and length trailer is
    /// checked even when the tar ends before the compressed data does.
    func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        while try readSome(into: scratch) > 0 {}
    }

    private func readSome(into dest: UnsafeMutableRawBufferPointer) throws -> Int {
        if rawStart == rawEnd { try refill() }
        guard let z = inflater else {
            let n = min(dest.count, rawEnd - rawStart)
            if n > 0 {
                dest.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: n)
                rawStart += n
            }
            return n
        }
        guard !gzipEnded else { return 0 }
        while true {
            if rawStart == rawEnd { try refill() }
            z.pointee.next_in = (raw.baseAddress! + rawStart).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_in = UInt32(rawEnd - rawStart)
            z.pointee.next_out = dest.baseAddress!.assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_out = UInt32(dest.count)
            let rc = inflate(z, Z_NO_FLUSH)
            rawStart = rawEnd - Int(z.pointee.avail_in)
            let produced = dest.count - Int(z.pointee.avail_out)
            switch rc {
            case Z_STREAM_END:
                gzipEnded = true
                return produced
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return produced }
                if rawEOF && rawStart == rawEnd {
                    throw LayerBuilderError.truncatedArchive(path: path, reason: "the gzip stream ends before its end marker (after \(offset) uncompressed bytes)")
                }
            default:
                let message = z.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw LayerBuilderError.corruptArchive(path: path, reason: "gzip data is corrupt: \(message)")
            }
        }
    }
}
