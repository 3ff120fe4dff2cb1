import Foundation
import Testing
@testable import LayerBuilder

@Suite("LayerReader")
struct LayerReaderTests {
    func sampleLayer(_ dir: TempDir) throws -> BuiltLayer {
        try LayerWriter.build(entries: [
            LayerEntry(path: "/bin/x", kind: .data(pseudoRandomBytes(count: 5000, seed: 9)), mode: 0o755),
            LayerEntry(path: "/etc/y", kind: .data(Array("y".utf8)), mode: 0o644),
        ], options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
    }

    @Test("reads uncompressed tar written by GNU tar, including GNU long names")
    func gnuTar() async throws {
        let dir = try TempDir()
        let long = String(repeating: "g", count: 150)
        try FileManager.default.createDirectory(atPath: dir.sub("src/sub"), withIntermediateDirectories: true)
        try dir.file("src/sub/" + long, "hello")
        let r = try await shell("cd \(shQuote(dir.sub("src"))) && tar --format=gnu -cf ../gnu.tar sub")
        #expect(r.status == 0, "\(r.stderr)")
        let entries = try LayerReader.entries(ofLayerAt: dir.sub("gnu.tar"))
        #expect(entries.map(\.name) == ["sub/", "sub/" + long])
        #expect(try LayerReader.fileContents("sub/" + long, inLayerAt: dir.sub("gnu.tar")) == Array("hello".utf8))
        #expect(try LayerReader.entriesViaLibarchive(ofLayerAt: dir.sub("gnu.tar")).map(\.name) == entries.map(\.name))
    }

    @Test("truncated gzip layers are reported as truncated", arguments: [0.3, 0.9, 0.999])
    func truncatedGzip(fraction: Double) throws {
        let dir = try TempDir()
        let layer = try sampleLayer(dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: layer.path))
        let cut = dir.sub("cut.tgz")
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: cut))
        let error = try #require(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: cut) }
        guard case .truncatedArchive(let p, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(p == cut)
        #expect(throws: LayerBuilderError.self) { try LayerReader.entriesViaLibarchive(ofLayerAt: cut) }
    }

    @Test("truncated plain tars are reported as truncated", arguments: [100, 512, 1000, 1536])
    func truncatedTar(length: Int) async throws {
        let dir = try TempDir()
        let layer = try sampleLayer(dir)
        let tar = try await shell("gunzip -c \(shQuote(layer.path))").stdout
        #expect(tar.count > length)
        let cut = dir.sub("cut.tar")
        try tar.prefix(length).write(to: URL(fileURLWithPath: cut))
        let error = try #require(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: cut) }
        guard case .truncatedArchive = error else { Issue.record("unexpected \(error)"); return }
    }

    @Test("a corrupted header fails the checksum")
    func badChecksum() async throws {
        let dir = try TempDir()
        let layer = try sampleLayer(dir)
        var tar = try await shell("gunzip -c \(shQuote(layer.path))").stdout
        #expect(try LayerReader.entries(ofLayerAt: { let p = dir.sub("ok.tar"); try tar.write(to: URL(fileURLWithPath: p)); return p }()).count == 4)
        tar[tar.startIndex + 3] ^= 0x01  // flip a bit in the first member's name
        let bad = dir.sub("bad.tar")
        try tar.write(to: URL(fileURLWithPath: bad))
        let error = try #require(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: bad) }
        #expect(error.description.contains("checksum"), "\(error)")
    }

    @Test("corrupt gzip data is reported")
    func corruptGzip() throws {
        let dir = try TempDir()
        let layer = try sampleLayer(dir)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: layer.path))
        bytes[bytes.startIndex + bytes.count / 2] ^= 0xFF
        let bad = dir.sub("bad.tgz")
        try bytes.write(to: URL(fileURLWithPath: bad))
        #expect(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: bad) }
    }

    @Test("a missing layer file is an I/O error naming it")
    func missingLayer() throws {
        let error = try #require(throws: LayerBuilderError.self) { try LayerReader.entries(ofLayerAt: "/nonexistent/l.tgz") }
        #expect(error.description.contains("/nonexistent/l.tgz"))
        #expect(throws: LayerBuilderError.self) { try LayerReader.entriesViaLibarchive(ofLayerAt: "/nonexistent/l.tgz") }
    }
}
