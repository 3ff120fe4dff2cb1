/// A streaming compressor of a layer's tar bytes. Output goes to `emit` in stream order; the
/// bytes must depend only on the input and the compressor's settings, never on threads or timing.
protocol LayerCompressor: AnyObject {
    /// Compresses `bytes`, handing any finished output to `emit`.
    func write(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Compresses what is left and ends the stream.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws
}

extension ParallelGzipWriter: LayerCompressor {}

extension LayerOptions {
    /// The compressor these options ask for.
    func makeCompressor() throws -> any LayerCompressor {
        switch compression {
        case .gzip:
            switch gzipEncoder {
            case .libdeflate:
                try LibdeflateGzipWriter(level: GzipEncoder.libdeflateLevel(forZlibLevel: compressionLevel),
                                         threads: compressionThreads)
            case .zlib: try ParallelGzipWriter(level: compressionLevel, threads: compressionThreads)
            }
        case .zstd: try ZstdWriter(level: zstdLevel, threads: compressionThreads)
        }
    }
}
