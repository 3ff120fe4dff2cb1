import CZlib

/// Input bytes per deflate block. A fixed constant on purpose: block boundaries shape the output,
/// so they must come from input offsets only, never from the thread count or timing.
let deflateBlockSize = 1 << 20
/// Deflate's window: the previous block's last 32 KiB primes the next block, as pigz does, so
/// matches can reach across block boundaries and the ratio stays that of one serial stream.
let deflateDictionarySize = 32 << 10

/// One block of a parallel gzip stream: its input, the dictionary it starts from, and (once a
/// worker is done) its raw deflate output and CRC-32. Recycled by `ParallelGzipWriter`.
///
/// `@unchecked Sendable`: the producer fills it, then hands it to exactly one worker through
/// `DeflatePool`'s lock, and reads the results only after the worker's `done` (under that lock).
final class DeflateBlock: @unchecked Sendable {
    let input = UnsafeMutableRawBufferPointer.allocate(byteCount: deflateBlockSize, alignment: 64)
    var count = 0
    let dictionary = UnsafeMutableRawBufferPointer.allocate(byteCount: deflateDictionarySize, alignment: 64)
    var dictionaryCount = 0
    /// The last block ends the deflate stream (`Z_FINISH`); others end byte-aligned (`Z_SYNC_FLUSH`).
    var isLast = false
    /// Worst case of deflate is stored blocks (5 bytes per 64 KiB) plus a flush marker; 1/8 spare is ample.
    static let outputCapacity = deflateBlockSize + deflateBlockSize / 8 + 1024
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: DeflateBlock.outputCapacity, alignment: 64)
    var outputCount = 0
    var crc: UInt = 0
    var error: String?

    func reset() {
        count = 0
        dictionaryCount = 0
        isLast = false
        outputCount = 0
        crc = 0
        error = nil
    }

    deinit {
        input.deallocate()
        dictionary.deallocate()
        output.deallocate()
    }
}

/// A raw-deflate compressor (no zlib/gzip wrapper) reused for many blocks; one per thread.
final class BlockDeflater: BlockCompressor, @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>

    /// - Parameter level: zlib level 0...9.
    init(level: Int32) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits -15: raw deflate, the gzip framing is written by ParallelGzipWriter.
        let rc = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw LayerBuilderError.compression("deflateInit2 failed (\(rc)) at level \(level)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `block.input` into `block.output` and computes its CRC-32. The result depends
    /// only on the block's input, dictionary, `isLast` and the level.
    func compress(_ block: DeflateBlock) {
        let input = block.input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        block.crc = crc32(0, input, UInt32(block.count))
        deflateReset(stream)
        if block.dictionaryCount > 0 {
            let rc = deflateSetDictionary(stream, block.dictionary.baseAddress!.assumingMemoryBound(to: Bytef.self),
                                          UInt32(block.dictionaryCount))
            guard rc == Z_OK else { block.error = "deflateSetDictionary failed (\(rc))"; return }
        }
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(block.count)
        stream.pointee.next_out = block.output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(block.output.count)
        let rc = deflate(stream, block.isLast ? Z_FINISH : Z_SYNC_FLUSH)
        // The output buffer exceeds deflate's worst case, so one call must consume and flush everything.
        let complete = block.isLast ? rc == Z_STREAM_END : (rc == Z_OK && stream.pointee.avail_out > 0)
        guard complete, stream.pointee.avail_in == 0 else {
            block.error = "deflate failed (\(rc), \(stream.pointee.avail_in) input bytes left)"
            return
        }
        block.outputCount = block.output.count - Int(stream.pointee.avail_out)
    }
}
