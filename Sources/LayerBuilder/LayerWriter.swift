#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import OCIModel

/// Writes layer blobs.
public enum LayerWriter {
    /// Builds a compressed (gzip or zstd, per `options.compression`) tar layer from `entries` into `outputPath` (written to a temp name
    /// beside it, renamed when complete), computing diffID, digest and size in the same single
    /// streaming pass; never holds a whole file or layer in memory (source files are streamed in
    /// 1 MiB chunks).
    ///
    /// Output is deterministic: the same entries, file contents and options give the same bytes.
    /// - Parameters:
    ///   - entries: what to put in the layer, in container paths; order does not matter.
    ///   - options: format, mtime and compression level.
    ///   - outputPath: file to create or replace; its directory must exist.
    /// - Returns: digests and sizes of the written blob.
    /// - Throws: `LayerBuilderError` for invalid entries (before any file is created), unreadable
    ///   sources, or I/O errors (the temp file is removed).
    public static func build(entries: [LayerEntry], options: LayerOptions, to outputPath: String) throws -> BuiltLayer {
        let members = try LayerPlan.members(for: entries, options: options)
        let tempPath = outputPath + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var committed = false
        defer { if !committed { unlink(tempPath) } }

        let pipeline = LayerPipeline(file: try POSIXFile.createExclusive(tempPath), compressor: try options.makeCompressor())
        var tar = TarWriter(sink: PipelineSink(pipeline: pipeline))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: streamChunkSize, alignment: 16)
        defer { buffer.deallocate() }

        for member in members {
            try tar.begin(member.header)
            switch member.content {
            case .none:
                break
            case let .data(bytes):
                try bytes.withUnsafeBytes { try tar.writeContent($0) }
            case let .file(source):
                try streamFile(source, entry: member.header.name, expected: member.header.size,
                               buffer: buffer, into: &tar)
            }
            try tar.end()
        }
        try tar.finish()
        let result = try pipeline.finish()

        if rename(tempPath, outputPath) != 0 {
            throw LayerBuilderError.io(operation: "rename \(tempPath) to", path: outputPath, reason: errnoDescription())
        }
        committed = true
        return BuiltLayer(digest: result.digest, diffID: result.diffID, size: result.size,
                          uncompressedSize: result.uncompressedSize, path: outputPath)
    }

    /// Copies a host file into the current member, checking it still has the size the header
    /// announced (a tar member's size is fixed before its content is written).
    private static func streamFile(_ source: String, entry: String, expected: Int64,
                                   buffer: UnsafeMutableRawBufferPointer, into tar: inout TarWriter<PipelineSink>) throws {
        let file: POSIXFile
        do { file = try POSIXFile.openForReading(source) } catch {
            throw LayerBuilderError.sourceUnreadable(source: source, entry: entry, reason: errnoDescription())
        }
        var total: Int64 = 0
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            guard total + Int64(n) <= expected else {
                throw LayerBuilderError.sourceChanged(source: source, expected: expected, actual: total + Int64(n))
            }
            try tar.writeContent(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        guard total == expected else {
            throw LayerBuilderError.sourceChanged(source: source, expected: expected, actual: total)
        }
    }
}

/// tar bytes -> (diffID hash) -> parallel compressor -> (digest hash) -> file, counting both sides.
/// Hashing and writing stay on the caller's thread; only compression fans out to workers.
private final class LayerPipeline {
    private let file: POSIXFile
    private let compressor: any LayerCompressor
    private var diffHasher = SHA256Hasher()
    private var blobHasher = SHA256Hasher()
    private var uncompressedSize: Int64 = 0
    private var compressedSize: Int64 = 0

    init(file: POSIXFile, compressor: any LayerCompressor) {
        self.file = file
        self.compressor = compressor
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        diffHasher.update(bytes)
        uncompressedSize += Int64(bytes.count)
        try compressor.write(bytes, emit: emit)
    }

    private func emit(_ compressed: UnsafeRawBufferPointer) throws {
        blobHasher.update(compressed)
        compressedSize += Int64(compressed.count)
        try file.writeAll(compressed)
    }

    func finish() throws -> (digest: Digest, diffID: Digest, size: Int64, uncompressedSize: Int64) {
        try compressor.finish(emit: emit)
        return (blobHasher.finalize(), diffHasher.finalize(), compressedSize, uncompressedSize)
    }
}

private struct PipelineSink: TarSink {
    let pipeline: LayerPipeline
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws { try pipeline.write(bytes) }
}
