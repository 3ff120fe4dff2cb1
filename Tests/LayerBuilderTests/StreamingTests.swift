import Foundation
import Testing
@testable import LayerBuilder

@Suite("Streaming")
struct StreamingTests {
    @Test("a 64 MiB file streams through build and read-back")
    func largeFile() async throws {
        let dir = try TempDir()
        let source = dir.sub("big.bin")
        // Written in 1 MiB pieces, each different, so neither the test nor the writer holds it whole.
        #expect(FileManager.default.createFile(atPath: source, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        var chunk = pseudoRandomBytes(count: 1 << 20, seed: 11)
        for i in 0..<64 {
            chunk[0] = UInt8(i)
            chunk[chunk.count / 2] = UInt8(255 - i)
            try handle.write(contentsOf: chunk)
        }
        try handle.close()

        let layer = try LayerWriter.build(entries: [LayerEntry(path: "/data/big.bin", kind: .file(source: source), mode: 0o644)],
                                          options: LayerOptions(format: .windows, compressionLevel: 1), to: dir.sub("big.tgz"))
        let entries = try LayerReader.entries(ofLayerAt: layer.path)
        #expect(entries.map(\.name) == ["Hives", "Files", "Files/data", "Files/data/big.bin"])
        #expect(entries.last?.size == 64 << 20)
        #expect(layer.uncompressedSize > 64 << 20)
        let q = shQuote(layer.path)
        await #expect(layer.diffID.description == (try sha256sum(ofCommand: "gunzip -c \(q)")))
        await #expect(layer.digest.description == (try sha256sum(ofCommand: "cat \(q)")))
        await #expect(try sha256sum(ofCommand: "tar --warning=no-unknown-keyword -xzOf \(q) Files/data/big.bin")
                == (try SHA256Digest.ofFile(at: source)).digest.description)
    }

    /// Files in /proc report size 0 but have content: the writer must notice the content does not
    /// match the size it already wrote into the header, instead of producing a corrupt tar.
    @Test("a source whose content differs from its stat size is detected",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/version")))
    func changedSource() throws {
        let dir = try TempDir()
        let error = try #require(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [LayerEntry(path: "v", kind: .file(source: "/proc/version"), mode: 0o644)],
                                  options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
        }
        guard case let .sourceChanged(source, expected, actual) = error else { Issue.record("unexpected \(error)"); return }
        #expect(source == "/proc/version" && expected == 0 && actual > 0)
        #expect(try dir.listing().isEmpty, "the temp file is removed")
    }
}
