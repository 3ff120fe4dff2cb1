import Foundation
import Testing
@testable import LayerBuilder

/// Compresses `input` with `ParallelGzipWriter`, feeding it in `chunk`-sized writes.
private func gzip(_ input: [UInt8], threads: Int, level: Int32 = 6, chunk: Int = 100_003) throws -> [UInt8] {
    try compressed(input, with: try ParallelGzipWriter(level: level, threads: threads), chunk: chunk)
}

/// Inputs around the block size: empty, one byte, exactly one block, many blocks (compressible),
/// incompressible, and a block boundary plus one byte.
private let inputs: [(name: String, bytes: [UInt8])] = {
    let block = deflateBlockSize
    let text = Array((0..<(3 * block + 12_345)).map { i in UInt8(ascii: "a") + UInt8((i / 7 + i % 13) % 26) })
    return [
        ("empty", []),
        ("one byte", [42]),
        ("exactly one block", pseudoRandomBytes(count: block, seed: 3).map { $0 & 0x0f }),
        ("many blocks, compressible", text),
        ("incompressible", pseudoRandomBytes(count: 2 * block + 7, seed: 5)),
        ("one block plus one byte", pseudoRandomBytes(count: block + 1, seed: 9).map { $0 & 0x03 }),
    ]
}()

@Suite("Parallel gzip")
struct ParallelGzipTests {
    @Test("output is identical for 1, 2, 3 and 8 threads", arguments: inputs.indices)
    func threadCountDoesNotChangeBytes(_ index: Int) throws {
        let input = inputs[index].bytes
        let serial = try gzip(input, threads: 1)
        for threads in [2, 3, 8] {
            #expect(try gzip(input, threads: threads) == serial, "\(inputs[index].name), threads \(threads)")
        }
        // Write sizes must not matter either: only input offsets place block boundaries.
        #expect(try gzip(input, threads: 2, chunk: 4096) == serial)
    }

    @Test("gunzip, gzip -t and Python restore the exact input; CRC-32 and ISIZE are right", arguments: inputs.indices)
    func decompressesExactly(_ index: Int) async throws {
        let input = inputs[index].bytes
        let dir = try TempDir()
        let gz = try dir.file("x.gz", try gzip(input, threads: 3))
        let raw = try dir.file("x.raw", input)
        await #expect(try shell("gzip -t \(shQuote(gz))").status == 0)
        await #expect(try shell("gunzip -c \(shQuote(gz)) | cmp - \(shQuote(raw))").status == 0)
        let script = """
        import gzip, struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        raw = open(sys.argv[2], "rb").read()
        assert data[:4] == b"\\x1f\\x8b\\x08\\x00" and data[9] == 255, data[:10]
        assert gzip.decompress(data) == raw
        # One member: a raw inflate of the body ends exactly before the 8-byte trailer.
        d = zlib.decompressobj(-15)
        assert d.decompress(data[10:]) == raw and d.eof and d.unused_data == data[-8:]
        crc, isize = struct.unpack("<II", data[-8:])
        assert crc == zlib.crc32(raw) and isize == len(raw) % 2**32
        """
        _ = try await python(script, [gz, raw])
    }

    @Test("the ratio stays within 0.5 % of one serial zlib stream at the same level")
    func ratioMatchesSerial() async throws {
        let input = inputs[3].bytes + pseudoRandomBytes(count: 1 << 20, seed: 1).map { $0 & 0x07 }
        let dir = try TempDir()
        let raw = try dir.file("x.raw", input)
        let ours = try gzip(input, threads: 2).count
        let reference = try await shell("gzip -6 -n -c \(shQuote(raw)) | wc -c").stdoutText
        let serial = Int(reference.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(serial > 0 && Double(ours) <= Double(serial) * 1.005, "ours \(ours), gzip -6 \(serial)")
    }

    @Test("layer digests do not depend on compressionThreads; diffID and digest match sha256sum")
    func layerDigestsIndependentOfThreads() async throws {
        let dir = try TempDir()
        let big = try dir.file("big.bin", pseudoRandomBytes(count: 3 * deflateBlockSize + 99, seed: 7).map { $0 & 0x1f })
        let small = try dir.file("small.txt", "hello\n")
        let entries = [LayerEntry(path: "/a/big.bin", kind: .file(source: big), mode: 0o644),
                       LayerEntry(path: "/a/small.txt", kind: .file(source: small), mode: 0o600)]
        var layers: [BuiltLayer] = []
        for threads in [1, 2, 3, 8] {
            var options = LayerOptions(format: .linux)
            options.compressionThreads = threads
            layers.append(try LayerWriter.build(entries: entries, options: options, to: dir.sub("l\(threads).tgz")))
        }
        #expect(Set(layers.map(\.digest)).count == 1)
        #expect(Set(layers.map(\.diffID)).count == 1)
        let q = shQuote(layers[0].path)
        await #expect(layers[0].diffID.description == (try sha256sum(ofCommand: "gunzip -c \(q)")))
        await #expect(layers[0].digest.description == (try sha256sum(ofCommand: "cat \(q)")))
    }

    @Test("compressionThreads below 1 is rejected")
    func invalidThreads() throws {
        let dir = try TempDir()
        var options = LayerOptions(format: .linux)
        options.compressionThreads = 0
        #expect(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [], options: options, to: dir.sub("l.tgz"))
        }
    }
}
