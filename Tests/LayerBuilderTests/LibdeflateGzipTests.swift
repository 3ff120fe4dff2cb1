import Foundation
import Testing
@testable import LayerBuilder

/// Compresses `input` with `LibdeflateGzipWriter`, feeding it in `chunk`-sized writes.
private func members(_ input: [UInt8], threads: Int, level: Int32 = 5, chunk: Int = 100_003) throws -> [UInt8] {
    try compressed(input, with: try LibdeflateGzipWriter(level: level, threads: threads), chunk: chunk)
}

private let inputs: [(name: String, bytes: [UInt8])] = {
    let block = deflateBlockSize
    let text = Array((0..<(3 * block + 12_345)).map { i in UInt8(ascii: "a") + UInt8((i / 7 + i % 13) % 26) })
    return [
        ("empty", []),
        ("one byte", [42]),
        ("exactly one block", pseudoRandomBytes(count: block, seed: 3).map { $0 & 0x0f }),
        ("exactly two blocks", pseudoRandomBytes(count: 2 * block, seed: 6).map { $0 & 0x3f }),
        ("many blocks, compressible", text),
        ("incompressible", pseudoRandomBytes(count: 2 * block + 7, seed: 5)),
        ("mixed", mixed),
    ]
}()

/// Two blocks of 64 KiB segments, text and random in turn: a layer holding compressed files
/// between programs. Each segment is its own member (compressed, stored, compressed, …).
private let mixed: [UInt8] = {
    let segment = LibdeflateBlockCompressor.segmentSize
    var out: [UInt8] = []
    for i in 0..<(2 * deflateBlockSize / segment) {
        if i % 2 == 0 {
            for j in 0..<segment { out.append(UInt8(ascii: "a") + UInt8((j / 5 + i) % 26)) }
        } else {
            out += pseudoRandomBytes(count: segment, seed: UInt64(100 + i))
        }
    }
    return out
}()

/// Kinds of the members of a gzip file, read by Python from each member's first deflate block
/// header: "S" stored, "C" compressed (fixed or dynamic Huffman).
private func memberKinds() -> String {
    """
    kinds = ""
    rest = data
    while rest:
        kinds += "S" if (rest[10] >> 1) & 3 == 0 else "C"
        d = zlib.decompressobj(-15)
        d.decompress(rest[10:])
        rest = d.unused_data[8:]
    print(kinds)
    """
}

/// Real executables for the size comparison: the system's programs in /usr/bin, sorted by name,
/// until 24 MiB (a layer of binaries is what winimg builds).
private func executables() throws -> [UInt8] {
    var out: [UInt8] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: "/usr/bin").sorted() {
        let path = "/usr/bin/" + name
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              attrs[.type] as? FileAttributeType == .typeRegular,
              let data = FileManager.default.contents(atPath: path), data.count > 64 << 10 else { continue }
        out += data
        if out.count >= 24 << 20 { break }
    }
    return out
}

@Suite("libdeflate gzip")
struct LibdeflateGzipTests {
    @Test("output is identical for 1, 2, 3 and 8 threads and any write size", arguments: inputs.indices)
    func threadCountDoesNotChangeBytes(_ index: Int) throws {
        let input = inputs[index].bytes
        let one = try members(input, threads: 1)
        for threads in [2, 3, 8] {
            #expect(try members(input, threads: threads) == one, "\(inputs[index].name), threads \(threads)")
        }
        #expect(try members(input, threads: 2, chunk: 4096) == one)
    }

    @Test("one member per started 1 MiB block; gzip -d, gzip -t, Python and libarchive restore the input", arguments: inputs.indices)
    func decompressesExactly(_ index: Int) async throws {
        let input = inputs[index].bytes
        let dir = try TempDir()
        let gz = try dir.file("x.gz", try members(input, threads: 3))
        let raw = try dir.file("x.raw", input)
        await #expect(try shell("gzip -t \(shQuote(gz))").status == 0)
        await #expect(try shell("gzip -d -c \(shQuote(gz)) | cmp - \(shQuote(raw))").status == 0)
        let segmentsOfMixed = 2 * deflateBlockSize / LibdeflateBlockCompressor.segmentSize
        let expectedMembers = inputs[index].name == "mixed" ? segmentsOfMixed
            : max(1, (input.count + deflateBlockSize - 1) / deflateBlockSize)
        let script = """
        import gzip, struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        raw = open(sys.argv[2], "rb").read()
        assert gzip.decompress(data) == raw
        # Walk the members: each a fixed header (mtime 0, OS 255), raw deflate, CRC-32 and ISIZE.
        members, rest, offset = 0, data, 0
        while rest:
            assert rest[:4] == b"\\x1f\\x8b\\x08\\x00" and rest[4:8] == b"\\0\\0\\0\\0" and rest[9] == 255, rest[:10]
            d = zlib.decompressobj(-15)
            piece = d.decompress(rest[10:])
            assert d.eof
            crc, isize = struct.unpack("<II", d.unused_data[:8])
            assert crc == zlib.crc32(piece) and isize == len(piece)
            assert piece == raw[offset:offset + len(piece)]
            offset += len(piece); members += 1; rest = d.unused_data[8:]
        assert offset == len(raw)
        print(members)
        """
        let r = try await python(script, [gz, raw])
        #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == String(expectedMembers))
    }

    @Test("the default layer is multi-member gzip that every reader takes: ours, libarchive, gzip, pigz")
    func defaultLayerReadsEverywhere() async throws {
        let dir = try TempDir()
        let big = try dir.file("big.bin", pseudoRandomBytes(count: 5 * deflateBlockSize + 3, seed: 8).map { $0 & 0x1f })
        let entries = [LayerEntry(path: "/data/big.bin", kind: .file(source: big), mode: 0o644),
                       LayerEntry(path: "/data/last.txt", kind: .data(Array("end\n".utf8)), mode: 0o644)]
        let layer = try LayerWriter.build(entries: entries, options: LayerOptions(format: .linux), to: dir.sub("l.tar.gz"))
        var zlibOptions = LayerOptions(format: .linux)
        zlibOptions.gzipEncoder = .zlib
        let single = try LayerWriter.build(entries: entries, options: zlibOptions, to: dir.sub("z.tar.gz"))
        #expect(layer.diffID == single.diffID)
        #expect(layer.digest != single.digest)
        let q = shQuote(layer.path)
        await #expect(layer.diffID.description == (try sha256sum(ofCommand: "gzip -d -c \(q)")))
        await #expect(layer.diffID.description == (try sha256sum(ofCommand: "unpigz -c \(q)")))
        await #expect(layer.digest.description == (try sha256sum(ofCommand: "cat \(q)")))
        // The member after the last 1 MiB boundary holds the last file: a reader that stops after
        // the first member would miss it.
        #expect(try LayerReader.fileContents("data/last.txt", inLayerAt: layer.path) == Array("end\n".utf8))
        let ours = try LayerReader.entries(ofLayerAt: layer.path).map(\.name)
        #expect(ours.count == 3 && ours.last == "data/last.txt")
        #expect(try LayerReader.entriesViaLibarchive(ofLayerAt: layer.path).map(\.name) == ours)
        #expect(try await pythonListing(layer.path).map(\.name).last == "data/last.txt")
    }

    @Test("on real executables the size is within 2 % of gzip -6")
    func sizeWithinTwoPercentOfGzip() async throws {
        let input = try executables()
        try #require(input.count >= 8 << 20, "needs some executables in /usr/bin")
        let dir = try TempDir()
        let raw = try dir.file("bin.raw", input)
        let ours = try members(input, threads: 2, level: GzipEncoder.libdeflateLevel(forZlibLevel: 6)).count
        let reference = Int(try await shell("gzip -6 -n -c \(shQuote(raw)) | wc -c").stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(reference > 0)
        #expect(Double(ours) <= Double(reference) * 1.02, "libdeflate \(ours) B, gzip -6 \(reference) B")
    }

    @Test("incompressible segments are stored, each run its own member; the rest is compressed")
    func incompressibleSegmentsAreStored() async throws {
        let dir = try TempDir()
        let text = inputs.first { $0.name == "many blocks, compressible" }!.bytes
        let random = inputs.first { $0.name == "incompressible" }!.bytes
        let cases: [(String, [UInt8], String)] = [
            ("mixed", mixed, String(repeating: "CS", count: mixed.count / LibdeflateBlockCompressor.segmentSize / 2)),
            ("random", Array(random[..<(2 * deflateBlockSize)]), "SS"),
            ("text", text, "CCCC"),
        ]
        for (name, input, kinds) in cases {
            let gz = try dir.file("\(name).gz", try members(input, threads: 2))
            let r = try await python("import sys, zlib\ndata = open(sys.argv[1], 'rb').read()\n" + memberKinds(), [gz])
            #expect(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == kinds, "\(name)")
            await #expect(try shell("gzip -d -c \(shQuote(gz)) | cmp - \(shQuote(try dir.file("\(name).raw", input)))").status == 0)
        }
        // Stored costs a few bytes per 64 KiB, never more than 0.1 %.
        let stored = try members(Array(random[..<(2 * deflateBlockSize)]), threads: 1).count
        #expect(stored > 2 * deflateBlockSize && stored < 2 * deflateBlockSize + 2 * deflateBlockSize / 1000)
    }

    @Test("entropy judgement: random and compressed bytes are incompressible, zeros, text and code are not")
    func entropyJudgement() throws {
        func judge(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { LibdeflateBlockCompressor.isIncompressible($0) } }
        let segment = LibdeflateBlockCompressor.segmentSize
        #expect(judge(pseudoRandomBytes(count: segment, seed: 9)))
        #expect(!judge(pseudoRandomBytes(count: 8 << 10, seed: 9)), "too short to judge: compressed")
        #expect(!judge([UInt8](repeating: 0, count: segment)))
        #expect(!judge(Array(mixed[..<segment])))
        #expect(!judge(pseudoRandomBytes(count: segment, seed: 9).map { $0 & 0x7f }), "7 bits per byte")
        // Real executables are compressed (almost no segment judged incompressible); the gzip of
        // them, like any compressed file inside a layer, is stored rather than searched again.
        let code = try executables()
        func share(_ bytes: [UInt8]) -> Double {
            let starts = Array(stride(from: 0, to: bytes.count - segment, by: segment))
            return Double(starts.filter { judge(Array(bytes[$0..<$0 + segment])) }.count) / Double(starts.count)
        }
        #expect(share(code) < 0.05, "share of executable segments stored")
        // Deflate output runs at 7.75–8 bits per byte (median ≈ 7.99): most of it is stored.
        #expect(share(try members(code, threads: 2)) > 0.6, "share of gzip segments stored")
    }
}
