#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for commands that stream big blobs.
enum MemoryTuning {
    /// Serve allocations of 128 KiB and more (upload read buffers, compression blocks) from their
    /// own mappings, returned to the system when freed.
    ///
    /// glibc otherwise raises this threshold after the first such buffer is freed, and from then
    /// on serves them from per-thread heaps that keep freed memory: with several uploads on
    /// several NIO and task threads at once that cached memory, not live data, set the peak. Fixing
    /// the threshold took the peak RSS of pushing the P2 image (four ~110 MB blobs in flight) from
    /// 75–100 MiB to about 59 MiB (BENCHMARKS.md, P3/memory); the cost is an mmap/munmap per
    /// 256 KiB buffer, negligible next to the network.
    static func boundMallocCaching() {
        #if canImport(Glibc)
        // <malloc.h> is not part of the Glibc module: look `mallopt` up; M_MMAP_THRESHOLD is -3.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 128 << 10)
        #endif
    }
}
