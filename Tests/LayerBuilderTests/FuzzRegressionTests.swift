import Foundation
import Testing
@testable import LayerBuilder

/// Inputs found by fuzzing the layer reader (Fuzz/Targets/tar.swift), kept as regression tests.
@Suite("Layer reader fuzz regressions")
struct TarFuzzRegressionTests {
    /// A ustar header for a regular file whose size field holds `sizeField` (12 bytes, already
    /// encoded), with a valid checksum.
    static func header(name: String, sizeField: [UInt8]) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        block.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
        block.replaceSubrange(100..<108, with: Array("0000644\0".utf8))
        block.replaceSubrange(124..<136, with: sizeField)
        block[156] = UInt8(ascii: "0")
        block.replaceSubrange(257..<263, with: Array("ustar\0".utf8))
        block.replaceSubrange(263..<265, with: Array("00".utf8))
        let sum = block.enumerated().reduce(0) { $0 + Int((148..<156).contains($1.offset) ? 0x20 : $1.element) }
        block.replaceSubrange(148..<156, with: Array(String(format: "%06o\0 ", sum).utf8))
        return block
    }

    /// A size field of 2^62 (GNU base-256) made `fileContents` allocate the whole size up front
    /// and crash; now the member reads as truncated after the bytes that are really there.
    @Test(arguments: [
        [0x80, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0] as [UInt8],   // 2^62
        Array("77777777777\0".utf8),                               // 8 GiB - 1
    ])
    func hugeSizeFieldIsTruncationNotAllocation(sizeField: [UInt8]) throws {
        let dir = try TempDir()
        let path = dir.sub("huge.tar")
        let bytes = Self.header(name: "f", sizeField: sizeField) + Array(repeating: 0x61, count: 100)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LayerBuilderError.self) { try LayerReader.fileContents("f", inLayerAt: path) }
        guard case .truncatedArchive(_, let reason) = error else { Issue.record("unexpected \(error)"); return }
        #expect(reason.contains("after 100 of"), "\(reason)")
    }
}
