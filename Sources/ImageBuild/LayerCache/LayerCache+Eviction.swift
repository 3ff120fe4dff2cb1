#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import OCIModel

extension LayerCache {
    /// What an eviction pass removed.
    public struct Eviction: Sendable, Equatable {
        public var blobsRemoved = 0
        public var bytesRemoved: Int64 = 0
        /// Blob bytes left in the cache.
        public var bytesKept: Int64 = 0
    }

    /// Removes the least recently used blobs until at most `maxBytes` remain, never one in `keeping`
    /// (the layers the current build uses), then the records that name a removed blob and
    /// temporary files older than a day (left by interrupted builds).
    @discardableResult
    public func evict(keeping: Set<Digest> = []) -> Eviction {
        var result = Eviction()
        let fm = FileManager.default
        struct Blob { var name: String; var size: Int64; var used: Int64 }
        var blobs: [Blob] = []
        for name in (try? fm.contentsOfDirectory(atPath: blobsDir)) ?? [] {
            var st = stat()
            guard stat(blobsDir + "/" + name, &st) == 0 else { continue }
            blobs.append(Blob(name: name, size: Int64(st.st_size),
                              used: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)))
        }
        var total = blobs.reduce(Int64(0)) { $0 + $1.size }
        let kept = Set(keeping.filter { $0.algorithm == "sha256" }.map(\.encoded))
        for b in blobs.sorted(by: { ($0.used, $0.name) < ($1.used, $1.name) }) where total > maxBytes {
            guard !kept.contains(b.name), unlink(blobsDir + "/" + b.name) == 0 else { continue }
            total -= b.size
            result.blobsRemoved += 1
            result.bytesRemoved += b.size
        }
        result.bytesKept = total

        if result.blobsRemoved > 0 {
            for name in (try? fm.contentsOfDirectory(atPath: stampsDir)) ?? [] where name.hasSuffix(".json") {
                let path = stampsDir + "/" + name
                guard let data = fm.contents(atPath: path),
                      let record = try? JSONDecoder().decode(Record.self, from: data) else { unlink(path); continue }
                if access(blobPath(record.digest), F_OK) != 0 { unlink(path) }
            }
        }
        let dayAgo = time(nil) - 86_400
        for name in (try? fm.contentsOfDirectory(atPath: tmpDir)) ?? [] {
            var st = stat()
            if stat(tmpDir + "/" + name, &st) == 0, st.st_mtim.tv_sec < dayAgo { unlink(tmpDir + "/" + name) }
        }
        return result
    }
}
