import CZlib

/// Streaming gzip compressor that deflates fixed 1 MiB input blocks on several threads and joins
/// them into ONE standard gzip member (the pigz technique): every block but the last ends with a
/// sync flush, so the raw deflate pieces concatenate into one valid stream; each block is primed
/// with the previous 32 KiB, so the ratio matches a serial stream; per-block CRC-32s are joined
/// with `crc32_combine`.
///
/// Output depends only on the input bytes and the level, never on `threads`: block boundaries are
/// input offsets, and blocks are emitted in input order. The header is fixed (mtime 0, no name,
/// OS 255 "unknown") so the build machine leaves no trace. Memory is bounded: at most
/// `2 × threads` blocks (about 2.1 MiB each) are in flight.
final class ParallelGzipWriter {
    private let level: Int32
    private let pool: DeflatePool?
    /// Used when `threads == 1`: compress on the caller's thread, same code, same bytes.
    private let inline: BlockDeflater?
    private let window: Int
    /// Submitted blocks, oldest first; emitted in this order.
    private var pending: [DeflateBlock] = []
    private var spare: [DeflateBlock] = []
    private var current: DeflateBlock
    /// The last 32 KiB of input so far: the next block's dictionary.
    private let tail = UnsafeMutableRawBufferPointer.allocate(byteCount: deflateDictionarySize, alignment: 64)
    private var tailCount = 0
    private var crc: UInt = 0
    private var length: UInt64 = 0
    private var headerWritten = false
    private var finished = false

    /// - Parameters:
    ///   - level: zlib level 0...9.
    ///   - threads: compression threads, at least 1.
    init(level: Int32, threads: Int) throws {
        precondition(threads >= 1, "ParallelGzipWriter needs at least one thread")
        self.level = level
        if threads == 1 {
            inline = try BlockDeflater(level: level)
            pool = nil
        } else {
            inline = nil
            pool = DeflatePool(compressors: try (0..<threads).map { _ in try BlockDeflater(level: level) })
        }
        window = 2 * threads
        current = DeflateBlock()
    }

    deinit {
        pool?.shutdown()
        tail.deallocate()
    }

    /// Compresses `bytes`, handing finished output to `emit` in stream order.
    func write(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "ParallelGzipWriter.write after finish")
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, deflateBlockSize - current.count)
            (current.input.baseAddress! + current.count).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            current.count += n
            offset += n
            if current.count == deflateBlockSize { try submit(isLast: false, emit: emit) }
        }
    }

    /// Compresses what is left, ends the deflate stream and writes the trailer (CRC-32, length).
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "ParallelGzipWriter.finish twice")
        try submit(isLast: true, emit: emit)
        while !pending.isEmpty { try emitOldest(emit) }
        var trailer = [UInt8](repeating: 0, count: 8)
        for i in 0..<4 {
            trailer[i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> (8 * i))
            trailer[4 + i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: length) >> (8 * i))  // ISIZE: length mod 2^32
        }
        try trailer.withUnsafeBytes { try emit($0) }
        finished = true
    }

    private func submit(isLast: Bool, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let block = current
        block.isLast = isLast
        block.dictionary.baseAddress!.copyMemory(from: tail.baseAddress!, byteCount: tailCount)
        block.dictionaryCount = tailCount
        // Only full blocks precede another block, so the next dictionary is this block's last 32 KiB.
        if !isLast {
            tail.baseAddress!.copyMemory(from: block.input.baseAddress! + block.count - deflateDictionarySize,
                                         byteCount: deflateDictionarySize)
            tailCount = deflateDictionarySize
        }
        pending.append(block)
        if let pool { pool.submit(block) } else { inline!.compress(block) }
        while pending.count >= window || (inline != nil && !pending.isEmpty) { try emitOldest(emit) }
        current = spare.popLast() ?? DeflateBlock()
    }

    private func emitOldest(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let block = pending.removeFirst()
        pool?.wait(for: block)
        if let error = block.error { throw LayerBuilderError.compression(error) }
        if !headerWritten {
            // XFL follows zlib's convention (2: level 9, 4: levels 0-1, else 0); OS 255 = unknown.
            let xfl: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
            let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]
            try header.withUnsafeBytes { try emit($0) }
            headerWritten = true
        }
        try emit(UnsafeRawBufferPointer(rebasing: block.output[0..<block.outputCount]))
        crc = crc32_combine(crc, block.crc, numericCast(block.count))
        length &+= UInt64(block.count)
        block.reset()
        spare.append(block)
    }
}
