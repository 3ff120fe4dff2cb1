import Foundation
import OCIModel
import Testing
@testable import LayerBuilder

/// Compresses `input` with `ZstdWriter`, feeding it in `chunk`-sized writes.
private func zstd(_ input: [UInt8], threads: Int, chunk: Int = 100_003) throws -> [UInt8] {
    try compressed(input, with: try ZstdWriter(level: 3, threads: threads), chunk: chunk)
}

@Suite("zstd layers")
struct ZstdLayerTests {
    /// Several MiB, so the input spans several libzstd jobs and both threads really work.
    static func sampleEntries(in dir: TempDir) throws -> [LayerEntry] {
        let big = try dir.file("big.bin", pseudoRandomBytes(count: 24 << 20, seed: 11).map { $0 & 0x1f })
        let noise = try dir.file("noise.bin", pseudoRandomBytes(count: 3 << 20, seed: 12))
        let small = try dir.file("small.txt", "hello zstd\n")
        return [LayerEntry(path: "/opt/big.bin", kind: .file(source: big), mode: 0o644),
                LayerEntry(path: "/opt/noise.bin", kind: .file(source: noise), mode: 0o600),
                LayerEntry(path: "/etc/hello.txt", kind: .file(source: small), mode: 0o644),
                LayerEntry(path: "/bin/sh", kind: .symlink(target: "busybox"), mode: 0o777)]
    }

    @Test("output is identical for 1, 2, 3 and 8 threads and any write size")
    func threadCountDoesNotChangeBytes() throws {
        let input = pseudoRandomBytes(count: 20 << 20, seed: 4).map { $0 & 0x0f }
        let one = try zstd(input, threads: 1)
        for threads in [2, 3, 8] {
            #expect(try zstd(input, threads: threads) == one, "threads \(threads)")
        }
        #expect(try zstd(input, threads: 2, chunk: 4096) == one)
        #expect(try zstd(input, threads: 2, chunk: 3 << 20) == one)
        #expect(one.count < input.count * 2 / 3, "4-bit symbols compress")
    }

    @Test("a zstd layer is the gzip layer's tar: zstd -d gives the same bytes, diffIDs equal, digests match sha256sum")
    func sameTarAsGzip() async throws {
        let dir = try TempDir()
        let entries = try Self.sampleEntries(in: dir)
        let gz = try LayerWriter.build(entries: entries, options: LayerOptions(format: .linux), to: dir.sub("l.tar.gz"))
        var options = LayerOptions(format: .linux)
        options.compression = .zstd
        var zst: [BuiltLayer] = []
        for threads in [1, 2, 8] {
            options.compressionThreads = threads
            zst.append(try LayerWriter.build(entries: entries, options: options, to: dir.sub("l\(threads).tar.zst")))
        }
        #expect(Set(zst.map(\.digest)).count == 1, "thread count changes nothing")
        let z = zst[0]
        #expect(z.diffID == gz.diffID)
        #expect(z.uncompressedSize == gz.uncompressedSize)
        #expect(z.digest != gz.digest)
        #expect(z.size < gz.size, "zstd -3 beats gzip -6 on this input")

        let zq = shQuote(z.path), gq = shQuote(gz.path)
        await #expect(try shell("zstd -t -q \(zq)").status == 0)
        await #expect(try shell("cmp <(zstd -d -c -q \(zq)) <(gunzip -c \(gq))").status == 0)
        await #expect(z.diffID.description == (try sha256sum(ofCommand: "zstd -d -c -q \(zq)")))
        await #expect(z.digest.description == (try sha256sum(ofCommand: "cat \(zq)")))
        let head = try #require(FileHandle(forReadingAtPath: z.path)?.readData(ofLength: 4))
        #expect(Array(head) == ArchiveInput.zstdMagic)

        // Our reader and libarchive list the same members as for the gzip layer.
        let ours = try LayerReader.entries(ofLayerAt: z.path)
        #expect(ours == (try LayerReader.entries(ofLayerAt: gz.path)))
        #expect(try LayerReader.entriesViaLibarchive(ofLayerAt: z.path).map(\.name) == ours.map(\.name))
        #expect(try LayerReader.fileContents("etc/hello.txt", inLayerAt: z.path) == Array("hello zstd\n".utf8))
    }

    @Test("a Windows layer cannot be zstd")
    func windowsRefused() throws {
        let dir = try TempDir()
        var options = LayerOptions(format: .windows)
        options.compression = .zstd
        let error = #expect(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [], options: options, to: dir.sub("w.tar.zst"))
        }
        #expect(error?.description.contains("gzip") == true, "\(String(describing: error))")
        #expect(try dir.listing().isEmpty)
    }

    @Test("truncated and corrupted zstd layers are reported as such")
    func damagedZstd() throws {
        let dir = try TempDir()
        var options = LayerOptions(format: .linux)
        options.compression = .zstd
        let layer = try LayerWriter.build(entries: try Self.sampleEntries(in: dir), options: options, to: dir.sub("l.tar.zst"))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: layer.path)))
        let cut = try dir.file("cut.tar.zst", Array(bytes.prefix(bytes.count - 100)))
        #expect(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: cut) }
        var flipped = bytes
        flipped[bytes.count - 2] ^= 0xff  // inside the content checksum
        let bad = try dir.file("bad.tar.zst", flipped)
        let error = #expect(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: bad) }
        #expect(error?.description.contains("zstd") == true, "\(String(describing: error))")
    }
}

@Suite("Multi-member gzip reading")
struct MultiMemberGzipReadingTests {
    @Test("a tar split over several gzip members (as pigz --independent or block writers make) reads completely")
    func readsEveryMember() async throws {
        let dir = try TempDir()
        let layer = try LayerWriter.build(entries: try ZstdLayerTests.sampleEntries(in: dir),
                                          options: LayerOptions(format: .linux), to: dir.sub("one.tar.gz"))
        // Re-compress the same tar as three members cut at odd offsets.
        let tar = dir.sub("l.tar"), multi = dir.sub("multi.tar.gz")
        let r = try await shell("""
            set -e; gunzip -c \(shQuote(layer.path)) > \(shQuote(tar))
            { head -c 1000001 \(shQuote(tar)) | gzip -1 -n; tail -c +1000002 \(shQuote(tar)) | head -c 7777777 | gzip -n
              tail -c +8777779 \(shQuote(tar)) | gzip -9 -n; } > \(shQuote(multi))
            cmp <(gunzip -c \(shQuote(multi))) \(shQuote(tar))
            """)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try LayerReader.entries(ofLayerAt: multi) == (try LayerReader.entries(ofLayerAt: layer.path)))
        #expect(try LayerReader.fileContents("etc/hello.txt", inLayerAt: multi) == Array("hello zstd\n".utf8))
    }
}
