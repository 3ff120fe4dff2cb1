import CDeflate

/// Streaming gzip compressor that compresses fixed 1 MiB input blocks on several threads with
/// libdeflate, each block as a complete gzip member, and concatenates the members.
///
/// A gzip file is a series of members (RFC 1952 §2.2) and every decompressor layers meet reads
/// them all: gzip/pigz, zlib's `gzip -d` path, Go's `compress/gzip` (multistream by default, used by
/// containerd, Docker and the registry tools), libarchive and Python. libdeflate is several times
/// cheaper per byte than zlib at a similar ratio, but only compresses whole buffers and cannot be
/// primed with a dictionary, so each member starts with an empty window; at 1 MiB blocks that
/// costs well under 1 % of size (measured in BENCHMARKS.md).
///
/// Output depends only on the input bytes and the level, never on `threads`: block boundaries are
/// input offsets, members are emitted in input order, and libdeflate's gzip header is fixed (mtime
/// 0, no name, OS 255). Memory is bounded: at most `2 × threads` blocks are in flight.
final class LibdeflateGzipWriter {
    private let pool: DeflatePool?
    /// Used when `threads == 1`: compress on the caller's thread, same code, same bytes.
    private let inline: LibdeflateBlockCompressor?
    private let window: Int
    private var pending: [DeflateBlock] = []
    private var spare: [DeflateBlock] = []
    private var current = DeflateBlock()
    private var submitted = false
    private var finished = false

    /// - Parameters:
    ///   - level: libdeflate level 0...12.
    ///   - threads: compression threads, at least 1.
    init(level: Int32, threads: Int) throws {
        precondition(threads >= 1, "LibdeflateGzipWriter needs at least one thread")
        if threads == 1 {
            inline = try LibdeflateBlockCompressor(level: level)
            pool = nil
        } else {
            inline = nil
            pool = DeflatePool(compressors: try (0..<threads).map { _ in try LibdeflateBlockCompressor(level: level) })
        }
        window = 2 * threads
    }

    deinit { pool?.shutdown() }

    /// Compresses `bytes`, handing finished members to `emit` in stream order.
    func write(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "LibdeflateGzipWriter.write after finish")
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, deflateBlockSize - current.count)
            (current.input.baseAddress! + current.count).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            current.count += n
            offset += n
            if current.count == deflateBlockSize { try submit(emit: emit) }
        }
    }

    /// Compresses what is left. Empty input still gives one (empty) member: a valid gzip file.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "LibdeflateGzipWriter.finish twice")
        if current.count > 0 || !submitted { try submit(emit: emit) }
        while !pending.isEmpty { try emitOldest(emit) }
        finished = true
    }

    private func submit(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let block = current
        submitted = true
        pending.append(block)
        if let pool { pool.submit(block) } else { inline!.compress(block) }
        while pending.count >= window || (inline != nil && !pending.isEmpty) { try emitOldest(emit) }
        current = spare.popLast() ?? DeflateBlock()
    }

    private func emitOldest(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let block = pending.removeFirst()
        pool?.wait(for: block)
        if let error = block.error { throw LayerBuilderError.compression(error) }
        try emit(UnsafeRawBufferPointer(rebasing: block.output[0..<block.outputCount]))
        block.reset()
        spare.append(block)
    }
}

extension LibdeflateGzipWriter: LayerCompressor {}
