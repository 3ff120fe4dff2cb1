import CZlib
import CZstd

/// Reads the bytes of a tar stream from a file, transparently decompressing gzip (magic `1f 8b`;
/// any number of concatenated members, as pigz-style and block-parallel writers produce) and zstd
/// (magic `28 b5 2f fd`; any number of frames). Used by `LayerReader`; streams with a 1 MiB
/// input buffer.
final class ArchiveInput {
    private enum Decoder {
        case none
        case gzip(UnsafeMutablePointer<z_stream>)
        case zstd(OpaquePointer)
    }

    let path: String
    private let file: POSIXFile
    private let raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0
    private var rawEnd = 0
    private var rawEOF = false
    private var decoder: Decoder = .none
    private var streamEnded = false
    /// zstd: libzstd's hint after the last call; 0 means the current frame is complete.
    private var zstdPending = 0
    /// Uncompressed bytes delivered so far (for error messages).
    private(set) var offset: Int64 = 0

    static let gzipMagic: [UInt8] = [0x1f, 0x8b]
    static let zstdMagic: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd]

    /// True when the file is compressed (its trailer or checksum is checked by `drain`).
    var isCompressed: Bool {
        if case .none = decoder { return false }
        return true
    }

    init(path: String) throws {
        self.path = path
        self.file = try POSIXFile.openForReading(path)
        self.raw = .allocate(byteCount: streamChunkSize, alignment: 16)
        do {
            try ensure(4)
            if startsWith(Self.gzipMagic) {
                let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
                z.initialize(to: z_stream())
                // windowBits 15 + 16: expect a gzip wrapper and verify its CRC-32 and length trailer.
                let rc = inflateInit2_(z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                guard rc == Z_OK else {
                    z.deallocate()
                    throw LayerBuilderError.compression("inflateInit2 failed (\(rc))")
                }
                decoder = .gzip(z)
            } else if startsWith(Self.zstdMagic) {
                guard let d = ZSTD_createDCtx() else { throw LayerBuilderError.compression("ZSTD_createDCtx failed") }
                decoder = .zstd(d)
            }
        } catch {
            raw.deallocate()
            throw error
        }
    }

    deinit {
        switch decoder {
        case .none: break
        case let .gzip(z):
            inflateEnd(z)
            z.deallocate()
        case let .zstd(d):
            ZSTD_freeDCtx(d)
        }
        raw.deallocate()
    }

    private func startsWith(_ magic: [UInt8]) -> Bool {
        rawEnd - rawStart >= magic.count && magic.indices.allSatisfy { raw[rawStart + $0] == magic[$0] }
    }

    private func refill() throws {
        guard !rawEOF else { return }
        if rawStart == rawEnd { rawStart = 0; rawEnd = 0 }
        let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[rawEnd...]))
        if n == 0 { rawEOF = true }
        rawEnd += n
    }

    /// Makes at least `count` bytes available unless the file ends first (moves the unread rest
    /// to the front of the buffer when it sits too close to the end).
    private func ensure(_ count: Int) throws {
        while rawEnd - rawStart < count && !rawEOF {
            if raw.count - rawStart < count {
                let left = rawEnd - rawStart
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: left)
                rawStart = 0
                rawEnd = left
            }
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[rawEnd...]))
            if n == 0 { rawEOF = true }
            rawEnd += n
        }
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

    /// Reads the rest of the stream and discards it, so a gzip file's CRC and length trailers (or
    /// a zstd frame's checksum) are checked even when the tar ends before the compressed data does.
    func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        while try readSome(into: scratch) > 0 {}
    }

    private func readSome(into dest: UnsafeMutableRawBufferPointer) throws -> Int {
        if rawStart == rawEnd { try refill() }
        switch decoder {
        case .none:
            let n = min(dest.count, rawEnd - rawStart)
            if n > 0 {
                dest.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: n)
                rawStart += n
            }
            return n
        case let .gzip(z):
            return streamEnded ? 0 : try inflateSome(z, into: dest)
        case let .zstd(d):
            return streamEnded ? 0 : try decompressSome(d, into: dest)
        }
    }

    private func inflateSome(_ z: UnsafeMutablePointer<z_stream>, into dest: UnsafeMutableRawBufferPointer) throws -> Int {
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
                // Another member may follow (RFC 1952 §2.2: a gzip file is a series of members).
                // Bytes that are not a member (padding some writers add) end the stream as before.
                try ensure(2)
                if startsWith(Self.gzipMagic) {
                    inflateReset(z)
                } else {
                    streamEnded = true
                }
                if produced > 0 || streamEnded { return produced }
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

    private func decompressSome(_ d: OpaquePointer, into dest: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if rawStart == rawEnd { try refill() }
            if rawStart == rawEnd {
                // End of file: fine between frames, truncation inside one.
                if zstdPending == 0 {
                    streamEnded = true
                    return 0
                }
                throw LayerBuilderError.truncatedArchive(path: path, reason: "the zstd stream ends inside a frame (after \(offset) uncompressed bytes)")
            }
            var input = ZSTD_inBuffer(src: raw.baseAddress! + rawStart, size: rawEnd - rawStart, pos: 0)
            var output = ZSTD_outBuffer(dst: dest.baseAddress, size: dest.count, pos: 0)
            let rc = ZSTD_decompressStream(d, &output, &input)
            rawStart += input.pos
            if ZSTD_isError(rc) != 0 {
                throw LayerBuilderError.corruptArchive(path: path, reason: "zstd data is corrupt: \(ZstdWriter.errorName(rc))")
            }
            zstdPending = rc
            if output.pos > 0 { return output.pos }
        }
    }
}
