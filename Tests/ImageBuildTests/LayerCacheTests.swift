#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LayerBuilder
import OCIModel
import Testing
import TestSupport
@testable import ImageBuild

/// The local layer cache: what hits, what misses, eviction and damaged entries.
@Suite struct LayerCacheTests {
    /// A cache and a source tree in one temp dir, counting how often the layer is really built.
    final class Fixture: @unchecked Sendable {
        let dir: TempDir
        let cache: LayerCache
        var builds = 0

        init(maxBytes: Int64 = LayerCache.defaultMaxBytes) throws {
            dir = try TempDir(prefix: "winimg-cache")
            cache = try LayerCache(directory: dir.file("cache"), maxBytes: maxBytes)
            try write("src/app", "#!/bin/sh\necho hello\n")
            try write("src/data.bin", String(repeating: "payload ", count: 4096))
        }

        deinit { dir.remove() }

        func write(_ name: String, _ text: String) throws { try dir.write(name, Data(text.utf8)) }

        func entries(mode: UInt32 = 0o755) -> [LayerEntry] {
            [LayerEntry(path: "/app", kind: .file(source: dir.file("src/app")), mode: mode),
             LayerEntry(path: "/opt/data.bin", kind: .file(source: dir.file("src/data.bin")), mode: 0o644),
             LayerEntry(path: "/opt/link", kind: .symlink(target: "data.bin"), mode: 0o777)]
        }

        func layer(_ entries: [LayerEntry]? = nil, options: LayerOptions = LayerOptions(format: .linux)) throws -> LayerCache.Lookup {
            try cache.layer(entries: entries ?? self.entries(), options: options) { path in
                builds += 1
                return try LayerWriter.build(entries: entries ?? self.entries(), options: options, to: path)
            }
        }

        /// Sets a file's mtime to `seconds` (content and size unchanged).
        func setMtime(_ name: String, _ seconds: Int) {
            var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, dir.file(name), &times, 0) == 0)
        }
    }

    @Test func hitReusesTheBlobWithoutBuilding() throws {
        let f = try Fixture()
        let first = try f.layer()
        #expect(!first.hit && f.builds == 1)
        #expect(first.layer.path.hasPrefix(f.cache.directory))
        let second = try f.layer()
        #expect(second.hit && f.builds == 1, "an unchanged layer is not built again")
        #expect(second.layer == first.layer)
        #expect(second.notices.isEmpty)
        // The cached blob is what a fresh build writes.
        let fresh = try LayerWriter.build(entries: f.entries(), options: LayerOptions(format: .linux), to: f.dir.file("fresh.tar.gz"))
        #expect(fresh.digest == second.layer.digest && fresh.diffID == second.layer.diffID)
        #expect(try SHA256Digest.ofFile(at: second.layer.path).digest == fresh.digest)
    }

    @Test func contentChangeMisses() throws {
        let f = try Fixture()
        let first = try f.layer()
        try f.write("src/app", "#!/bin/sh\necho changed\n")  // same size, new content and mtime
        let second = try f.layer()
        #expect(!second.hit && f.builds == 2)
        #expect(second.layer.digest != first.layer.digest)
    }

    @Test func mtimeChangeAloneMisses() throws {
        let f = try Fixture()
        f.setMtime("src/data.bin", 1_000_000)
        let first = try f.layer()
        f.setMtime("src/data.bin", 1_000_001)
        let second = try f.layer()
        #expect(!second.hit && f.builds == 2, "a touched file is rebuilt (content is not read to decide)")
        #expect(second.layer.digest == first.layer.digest, "same bytes, same blob")
        #expect(try f.layer().hit)
    }

    @Test func modeChangeMisses() throws {
        let f = try Fixture()
        _ = try f.layer()
        // The host file's mode changes: entries read from the host would change with it.
        #expect(chmod(f.dir.file("src/app"), 0o700) == 0)
        #expect(!(try f.layer()).hit)
        // The entry's mode changes.
        let changed = try f.layer(f.entries(mode: 0o700))
        #expect(!changed.hit && f.builds == 3)
    }

    @Test func linkTargetChangeMisses() throws {
        let f = try Fixture()
        _ = try f.layer()
        var entries = f.entries()
        entries[2].kind = .symlink(target: "other.bin")
        #expect(!(try f.layer(entries)).hit)
    }

    @Test(arguments: [
        LayerOptions(format: .windows),
        LayerOptions(format: .linux, mtime: 1_700_000_000),
        LayerOptions(format: .linux, compressionLevel: 9),
        LayerOptions(format: .linux, compressionLevel: 1),
        { var o = LayerOptions(format: .linux); o.gzipEncoder = .zlib; return o }(),
        { var o = LayerOptions(format: .linux); o.compression = .zstd; return o }(),
        { var o = LayerOptions(format: .linux); o.compression = .zstd; o.zstdLevel = 9; return o }(),
    ])
    func optionChangeMisses(options: LayerOptions) throws {
        let f = try Fixture()
        var entries = f.entries()
        entries.removeLast()  // Windows layers hold no links
        _ = try f.layer(entries)
        let other = try f.layer(entries, options: options)
        #expect(!other.hit && f.builds == 2)
        #expect(try f.layer(entries, options: options).hit)
    }

    @Test func threadCountDoesNotMiss() throws {
        let f = try Fixture()
        _ = try f.layer()
        var options = LayerOptions(format: .linux)
        options.compressionThreads = options.compressionThreads == 1 ? 2 : 1
        #expect(try f.layer(options: options).hit, "the output does not depend on the thread count")
    }

    @Test func damagedBlobIsDetectedAndRebuilt() throws {
        let f = try Fixture()
        let first = try f.layer()
        // Same size, different bytes: only the digest check can tell.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: first.layer.path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: first.layer.path))
        let second = try f.layer()
        #expect(!second.hit && f.builds == 2)
        #expect(second.notices.contains { $0.contains("damaged") }, "\(second.notices)")
        #expect(try SHA256Digest.ofFile(at: second.layer.path).digest == first.layer.digest)
        #expect(try f.layer().hit)
    }

    @Test func blobRewrittenInPlaceWithItsOldSizeAndMtimeIsStillCaught() throws {
        let f = try Fixture()
        let first = try f.layer()
        #expect(try f.layer().hit)
        // Untouched since the last check: the record remembers the blob's state, so hits skip the hash.
        let stamp = try #require(LayerStamp(entries: f.entries(), options: LayerOptions(format: .linux)))
        let record = try JSONDecoder().decode(LayerCache.Record.self, from: Data(contentsOf: URL(fileURLWithPath: f.cache.recordPath(stamp))))
        #expect(record.verified != nil && record.verified == BlobState(path: first.layer.path))
        // Same size, old modification time put back: only the change time (which cannot be set) moved.
        var st = stat()
        #expect(stat(first.layer.path, &st) == 0)
        let fd = open(first.layer.path, O_WRONLY)
        #expect(fd >= 0)
        var byte: UInt8 = 0x5a
        #expect(pwrite(fd, &byte, 1, off_t(st.st_size / 2)) == 1)
        close(fd)
        var times = [st.st_atim, st.st_mtim]
        #expect(utimensat(AT_FDCWD, first.layer.path, &times, 0) == 0)
        let again = try f.layer()
        #expect(!again.hit && f.builds == 2, "a changed blob is hashed and rebuilt: \(again.notices)")
        #expect(try SHA256Digest.ofFile(at: again.layer.path).digest == first.layer.digest)
    }

    @Test func unreadableRecordIsRebuilt() throws {
        let f = try Fixture()
        _ = try f.layer()
        let stamps = f.cache.stampsDir
        for name in try FileManager.default.contentsOfDirectory(atPath: stamps) {
            try Data("{not json".utf8).write(to: URL(fileURLWithPath: stamps + "/" + name))
        }
        let again = try f.layer()
        #expect(!again.hit && !again.notices.isEmpty)
        #expect(try f.layer().hit)
    }

    @Test func evictionDropsLeastRecentlyUsedAndKeepsWhatIsInUse() throws {
        let f = try Fixture(maxBytes: 1)
        var layers: [BuiltLayer] = []
        for i in 0..<3 {
            try f.write("src/app", "#!/bin/sh\necho \(i)\n")
            f.setMtime("src/app", 1_000 + i)
            layers.append(try f.layer().layer)
        }
        // Age the blobs: 0 oldest, then 2, then 1 (used most recently).
        for (layer, age) in zip(layers, [100, 10, 50]) {
            var t = [timespec(tv_sec: time(nil) - age, tv_nsec: 0), timespec(tv_sec: time(nil) - age, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, layer.path, &t, 0) == 0)
        }
        let limited = try LayerCache(directory: f.cache.directory, maxBytes: layers[1].size + layers[2].size)
        let first = limited.evict()
        #expect(first.blobsRemoved == 1 && first.bytesRemoved == layers[0].size)
        #expect(access(layers[0].path, F_OK) != 0 && access(layers[1].path, F_OK) == 0 && access(layers[2].path, F_OK) == 0)
        // Its record went with it; the others still hit.
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.cache.stampsDir).count == 2)

        // Over the limit again, but the layer in use stays even though it is the oldest.
        let tight = try LayerCache(directory: f.cache.directory, maxBytes: 0)
        let second = tight.evict(keeping: [layers[2].digest])
        #expect(second.blobsRemoved == 1)
        #expect(access(layers[1].path, F_OK) != 0 && access(layers[2].path, F_OK) == 0)
        #expect(second.bytesKept == layers[2].size)
    }

    @Test func evictedLayerIsRebuilt() throws {
        let f = try Fixture()
        let first = try f.layer()
        _ = try LayerCache(directory: f.cache.directory, maxBytes: 0).evict()
        let again = try f.layer()
        #expect(!again.hit && f.builds == 2 && again.layer.digest == first.layer.digest)
    }

    @Test func buildFailureLeavesNothingBehind() throws {
        let f = try Fixture()
        var entries = f.entries()
        entries.append(LayerEntry(path: "/missing", kind: .file(source: f.dir.file("src/none")), mode: 0o644))
        #expect(throws: LayerBuilderError.self) { try f.layer(entries) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.cache.tmpDir).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.cache.stampsDir).isEmpty)
    }

    @Test func unusableDirectoryIsAClearError() throws {
        let dir = try TempDir(prefix: "winimg-cache")
        defer { dir.remove() }
        let file = try dir.write("plain-file", Data("x".utf8))
        #expect {
            _ = try LayerCache(directory: file)
        } throws: { error in
            let text = "\(error)"
            return text.contains(file) && text.contains("--cache-dir") && text.contains("--no-cache")
        }
    }

    @Test func defaultDirectoryFollowsXDG() {
        #expect(LayerCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/winimg")
        #expect(LayerCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"]) == "/home/u/.cache/winimg")
        #expect(LayerCache.defaultDirectory(environment: [:]) == nil)
    }

    @Test(arguments: [("1048576", Int64(1 << 20)), ("512K", 512 << 10), ("500M", 500 << 20), ("10G", 10 << 30),
                      ("2GiB", 2 << 30), ("1.5g", 3 << 29), ("3MB", 3_000_000), ("0", 0)])
    func sizesParse(text: String, bytes: Int64) throws {
        #expect(try ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "ten", "-1G", "5X", "1e3", "G", "99999999999T"])
    func badSizesAreRefused(text: String) {
        #expect(throws: LayerCacheError.invalidSize(text)) { try ByteSize.parse(text) }
    }
}
