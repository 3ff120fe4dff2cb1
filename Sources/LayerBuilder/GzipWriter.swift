import CZlib

/// Streaming gzip compressor over zlib's `deflate`, with a fixed header so output depends only on
/// the input and the level: mtime 0, no file name, OS byte 255 ("unknown", RFC 1952) instead of
/// the build machine's OS, which zlib would otherwise write.
///
/// A class because zlib keeps pointers to the `z_stream` and the `gz_header` (the header is only
/// written on the first `deflate` call), so both need stable addresses for the writer's lifetime.
final class GzipWriter {
    private let stream: UnsafeMutablePointer<z_stream>
    private let header: UnsafeMutablePointer<gz_header>
    private let output: UnsafeMutableRawBufferPointer
    private var finished = false

    /// - Parameter level: zlib level 0...9.
    init(level: Int32) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        header = .allocate(capacity: 1)
        header.initialize(to: gz_header())
        output = .allocate(byteCount: streamChunkSize, alignment: 16)
        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        var rc = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            Self.release(stream, header, output, initialized: false)
            throw LayerBuilderError.compression("deflateInit2 failed (\(rc)) at level \(level)")
        }
        header.pointee.time = 0
        header.pointee.os = 255
        rc = deflateSetHeader(stream, header)
        guard rc == Z_OK else {
            Self.release(stream, header, output, initialized: true)
            throw LayerBuilderError.compression("deflateSetHeader failed (\(rc))")
        }
    }

    deinit { Self.release(stream, header, output, initialized: true) }

    private static func release(_ stream: UnsafeMutablePointer<z_stream>, _ header: UnsafeMutablePointer<gz_header>,
                                _ output: UnsafeMutableRawBufferPointer, initialized: Bool) {
        if initialized { deflateEnd(stream) }
        stream.deallocate()
        header.deallocate()
        output.deallocate()
    }

    /// Compresses `bytes`, handing every produced chunk to `emit`.
    func write(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "GzipWriter.write after finish")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // zlib never writes through next_in; the mutable pointer is a C API artefact.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(bytes.count)
        try run(flush: Z_NO_FLUSH, emit: emit)
        precondition(stream.pointee.avail_in == 0, "deflate left input unconsumed")
    }

    /// Flushes the deflate stream and writes the gzip trailer (CRC-32, length).
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "GzipWriter.finish twice")
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try run(flush: Z_FINISH, emit: emit)
        finished = true
    }

    private func run(flush: Int32, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let rc = deflate(stream, flush)
            // Z_BUF_ERROR only means "no progress possible", which ends the loop below.
            guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                throw LayerBuilderError.compression("deflate failed (\(rc))")
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            if flush == Z_FINISH {
                if rc == Z_STREAM_END { return }
            } else if stream.pointee.avail_out != 0 {
                return  // all input consumed and the output buffer was not filled
            }
        }
    }
}
