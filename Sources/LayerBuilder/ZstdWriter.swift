import CZstd

/// Streaming zstd compressor for layers, on libzstd's own worker threads.
///
/// Always runs libzstd's multi-threaded mode (`ZSTD_c_nbWorkers ≥ 1`, even for one thread): that
/// mode cuts the input into jobs by size alone, so its output is the same for every worker count,
/// whereas the single-threaded mode (`nbWorkers 0`) would give different bytes. The frame carries
/// a content checksum (as the `zstd` tool writes by default) and no content size, which a stream
/// cannot know up front.
final class ZstdWriter {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    private var finished = false

    /// - Parameters:
    ///   - level: zstd level 1...19.
    ///   - threads: worker threads, at least 1.
    init(level: Int32, threads: Int) throws {
        precondition(threads >= 1, "ZstdWriter needs at least one thread")
        guard let context = ZSTD_createCCtx() else { throw LayerBuilderError.compression("ZSTD_createCCtx failed") }
        self.context = context
        output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 64)
        for (parameter, value, name) in [(ZSTD_c_compressionLevel, level, "compression level \(level)"),
                                         (ZSTD_c_checksumFlag, 1, "checksum flag"),
                                         (ZSTD_c_nbWorkers, Int32(threads), "\(threads) worker threads")] {
            let rc = ZSTD_CCtx_setParameter(context, parameter, value)
            if ZSTD_isError(rc) != 0 {
                ZSTD_freeCCtx(context)
                output.deallocate()
                throw LayerBuilderError.compression("zstd rejected \(name): \(Self.errorName(rc))")
            }
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Compresses `bytes`, handing finished output to `emit` in stream order.
    func write(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "ZstdWriter.write after finish")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var input = ZSTD_inBuffer(src: base, size: bytes.count, pos: 0)
        while input.pos < input.size {
            _ = try step(&input, ZSTD_e_continue, emit: emit)
        }
    }

    /// Flushes everything and ends the frame.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "ZstdWriter.finish twice")
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end, emit: emit) != 0 {}
        finished = true
    }

    /// One `ZSTD_compressStream2` call; returns what libzstd says is left to flush.
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective,
                      emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = ZSTD_compressStream2(context, &out, &input, directive)
        if ZSTD_isError(remaining) != 0 {
            throw LayerBuilderError.compression("zstd compression failed: \(Self.errorName(remaining))")
        }
        if out.pos > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[0..<out.pos])) }
        return remaining
    }

    static func errorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }
}

extension ZstdWriter: LayerCompressor {}
