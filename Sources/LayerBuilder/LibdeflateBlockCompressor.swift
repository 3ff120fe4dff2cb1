import CDeflate
import Foundation

/// One libdeflate compressor (its own match-finder state); one per thread.
///
/// Incompressible input (already compressed files, encrypted or random data) is stored instead
/// of searched for matches: deflate spends as much CPU on bytes it cannot shrink as on any
/// others, and layers often hold compressed payloads. Each 64 KiB segment of a block is judged by
/// its byte entropy; runs of incompressible segments become stored gzip members, the rest are
/// compressed as before, and the members are concatenated in input order. The decision depends
/// only on the segment's bytes, so the output stays the same for any thread count.
final class LibdeflateBlockCompressor: BlockCompressor, @unchecked Sendable {
    /// Segment judged at once: small enough to isolate a compressed file inside a block, large
    /// enough for a steady entropy estimate and a negligible per-member cost (18 bytes).
    static let segmentSize = 64 << 10
    /// Bits per byte at and above which a segment is stored. Deflate's Huffman stage alone cannot
    /// get below the byte entropy, and matches in such data are rare, so storing it costs at most
    /// ~0.6 % of the segment; compressible data (code, text, tables) is far below (5–7 bits).
    static let storeEntropy = 7.95

    private let compressor: OpaquePointer
    /// Level 0: valid gzip made of stored blocks, for the incompressible runs.
    private let storer: OpaquePointer?

    init(level: Int32) throws {
        guard let c = libdeflate_alloc_compressor(level) else {
            throw LayerBuilderError.compression("libdeflate_alloc_compressor failed at level \(level)")
        }
        // A block's output buffer must hold libdeflate's worst case, so one call always suffices.
        guard libdeflate_gzip_compress_bound(c, deflateBlockSize) <= DeflateBlock.outputCapacity else {
            libdeflate_free_compressor(c)
            throw LayerBuilderError.compression("libdeflate's bound exceeds the block output buffer")
        }
        compressor = c
        storer = level > 0 ? libdeflate_alloc_compressor(0) : nil
    }

    deinit {
        libdeflate_free_compressor(compressor)
        if let storer { libdeflate_free_compressor(storer) }
    }

    /// Compresses `block.input` into `block.output` as one or more complete gzip members.
    func compress(_ block: DeflateBlock) {
        let input = UnsafeRawBufferPointer(rebasing: block.input[0..<block.count])
        let runs = storer == nil ? [Run(range: 0..<block.count, stored: false)] : Self.runs(input)
        if runs.count > 1 || runs.first?.stored == true, let n = members(runs, input, block) {
            block.outputCount = n
            return
        }
        let n = libdeflate_gzip_compress(compressor, input.baseAddress, block.count,
                                         block.output.baseAddress, block.output.count)
        if n == 0 {
            block.error = "libdeflate_gzip_compress found no room for \(block.count) input bytes"
            return
        }
        block.outputCount = n
    }

    /// One member per run, or nil when their worst case might not fit (then one member is made).
    private func members(_ runs: [Run], _ input: UnsafeRawBufferPointer, _ block: DeflateBlock) -> Int? {
        let bound = runs.reduce(0) { $0 + libdeflate_gzip_compress_bound($1.stored ? storer : compressor, $1.range.count) }
        guard bound <= block.output.count else { return nil }
        var out = 0
        for run in runs {
            let n = libdeflate_gzip_compress(run.stored ? storer : compressor, input.baseAddress! + run.range.lowerBound,
                                             run.range.count, block.output.baseAddress! + out, block.output.count - out)
            guard n > 0 else { return nil }
            out += n
        }
        return out
    }

    struct Run: Equatable {
        var range: Range<Int>
        var stored: Bool
    }

    /// The block cut into segments, neighbours of the same kind merged.
    static func runs(_ input: UnsafeRawBufferPointer) -> [Run] {
        var runs: [Run] = []
        var start = 0
        while start < input.count {
            let end = min(start + segmentSize, input.count)
            let stored = isIncompressible(UnsafeRawBufferPointer(rebasing: input[start..<end]))
            if let last = runs.last, last.stored == stored {
                runs[runs.count - 1].range = last.range.lowerBound..<end
            } else {
                runs.append(Run(range: start..<end, stored: stored))
            }
            start = end
        }
        return runs.isEmpty ? [Run(range: 0..<0, stored: false)] : runs
    }

    /// Whether the byte entropy of `bytes` reaches `storeEntropy`. Segments under 16 KiB are
    /// always compressed: too few bytes for the estimate (and too little to matter).
    static func isIncompressible(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 16 << 10 else { return false }
        // Four histograms filled in turn: runs of equal bytes would otherwise make every increment
        // wait for the previous one to the same counter (the count is ~15 % of a layer's CPU
        // with one table, on data that is then only copied).
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 1024) { counts in
            counts.initialize(repeating: 0)
            let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let n = bytes.count
            var i = 0
            while i + 4 <= n {
                counts[Int(p[i])] &+= 1
                counts[256 + Int(p[i + 1])] &+= 1
                counts[512 + Int(p[i + 2])] &+= 1
                counts[768 + Int(p[i + 3])] &+= 1
                i += 4
            }
            while i < n { counts[Int(p[i])] &+= 1; i += 1 }
            var sum = 0.0
            for k in 0..<256 {
                let c = Double(counts[k] + counts[256 + k] + counts[512 + k] + counts[768 + k])
                if c > 0 { sum += c * log2(c) }
            }
            return log2(Double(n)) - sum / Double(n) >= storeEntropy
        }
    }
}
