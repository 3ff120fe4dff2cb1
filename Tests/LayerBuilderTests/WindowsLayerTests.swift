import Foundation
import Testing
@testable import LayerBuilder

@Suite("Windows layers")
struct WindowsLayerTests {
    func buildSample(in dir: TempDir) throws -> BuiltLayer {
        let pause = try dir.file("pause.exe", pseudoRandomBytes(count: 50_000, seed: 3))
        let wincat = try dir.file("wincat.exe", pseudoRandomBytes(count: 20_000, seed: 4))
        let entries = [
            LayerEntry(path: "/pause.exe", kind: .file(source: pause), mode: 0o755),
            LayerEntry(path: "/Windows/System32/wincat.exe", kind: .file(source: wincat), mode: 0o755),
            LayerEntry(path: "/a-b.txt", kind: .data(Array("x".utf8)), mode: 0o644),
            LayerEntry(path: "/a/b.txt", kind: .data(Array("y".utf8)), mode: 0o644),
            LayerEntry(path: "/app/" + String(repeating: "n", count: 120) + ".dll", kind: .data([0]), mode: 0o644),
        ]
        return try LayerWriter.build(entries: entries, options: LayerOptions(format: .windows), to: dir.sub("win.tar.gz"))
    }

    static let expectedNames = [
        "Hives", "Files",
        "Files/Windows", "Files/Windows/System32", "Files/Windows/System32/wincat.exe",
        "Files/a", "Files/a/b.txt", "Files/a-b.txt",
        "Files/app", "Files/app/" + String(repeating: "n", count: 120) + ".dll",
        "Files/pause.exe",
    ]

    @Test("Hives and Files first, everything under Files/ parents-first, rawsd on every Files/ entry")
    func layout() throws {
        let dir = try TempDir()
        let layer = try buildSample(in: dir)
        let entries = try LayerReader.entries(ofLayerAt: layer.path)
        #expect(entries.map(\.name) == Self.expectedNames)
        for root in entries.prefix(2) {
            #expect(root.type == 0x35 && root.mode == 0o555)
            #expect(root.paxRecords.isEmpty, "roots carry no PAX records (as ko/go-containerregistry)")
        }
        for entry in entries.dropFirst(2) {
            #expect(entry.paxRecords[WindowsLayout.rawSecurityDescriptorKey] == rawSD, "\(entry.name)")
        }
        #expect(entries.first { $0.name == "Files/Windows" }?.mode == 0o755)
        #expect(entries.first { $0.name == "Files/pause.exe" }.map { $0.type == 0x30 && $0.size == 50_000 } == true)
        #expect(WindowsLayerCheck.check(entries).isEmpty)
        #expect(try LayerReader.fileContents("Files/Windows/System32/wincat.exe", inLayerAt: layer.path)
                == pseudoRandomBytes(count: 20_000, seed: 4))
    }

    @Test("the PAX record bytes are exactly '92 MSWINDOWS.rawsd=…\\n'")
    func rawPAXBytes() async throws {
        let dir = try TempDir()
        let layer = try buildSample(in: dir)
        let tar = try await shell("gunzip -c \(shQuote(layer.path))").stdout
        let record = Data("92 MSWINDOWS.rawsd=\(rawSD)\n".utf8)
        var count = 0
        var searchRange = tar.startIndex..<tar.endIndex
        while let r = tar.range(of: record, in: searchRange) {
            count += 1
            searchRange = r.upperBound..<tar.endIndex
        }
        #expect(count == Self.expectedNames.count - 2)
    }

    @Test("Python tarfile sees MSWINDOWS.rawsd and long paths; libarchive agrees on the listing")
    func independentReaders() async throws {
        let dir = try TempDir()
        let layer = try buildSample(in: dir)
        let py = try await pythonListing(layer.path)
        #expect(py.map(\.name) == Self.expectedNames)
        #expect(py.prefix(2).allSatisfy { $0.type == "5" && $0.pax.isEmpty })
        #expect(py.dropFirst(2).allSatisfy { $0.pax["MSWINDOWS.rawsd"] == rawSD })
        let long = try #require(py.first { $0.name.hasSuffix(".dll") })
        #expect(long.name.utf8.count > 100 && long.pax["path"] == long.name)

        let viaLibarchive = try LayerReader.entriesViaLibarchive(ofLayerAt: layer.path)
        let ours = try LayerReader.entries(ofLayerAt: layer.path)
        #expect(viaLibarchive.map(\.name) == ours.map(\.name))
        #expect(viaLibarchive.map(\.type) == ours.map(\.type))
        #expect(viaLibarchive.map(\.size) == ours.map(\.size))
    }

    @Test("gzip -t, tar -tzvf and the digests check out")
    func toolsAndDigests() async throws {
        let dir = try TempDir()
        let layer = try buildSample(in: dir)
        let q = shQuote(layer.path)
        await #expect(try shell("gzip -t \(q)").status == 0)
        let listing = try await shell("tar -tzvf \(q)")
        #expect(listing.status == 0, "\(listing.stderr)")
        // GNU tar only warns about the vendor record it does not know; nothing else may appear.
        let stderrLines = listing.stderr.split(separator: "\n")
        #expect(stderrLines.allSatisfy { $0.contains("Ignoring unknown extended header keyword 'MSWINDOWS.rawsd'") }, "\(listing.stderr)")
        #expect(listing.stdoutText.contains("Files/Windows/System32/wincat.exe"))
        await #expect(layer.diffID.description == (try sha256sum(ofCommand: "gunzip -c \(q)")))
        await #expect(layer.digest.description == (try sha256sum(ofCommand: "cat \(q)")))
        let again = try buildSample(in: dir)  // overwrites win.tar.gz with the same inputs
        #expect(again == layer)
    }

    @Test("a directory named Files inside the container is fine; its children are not")
    func filesDirectoryName() throws {
        let dir = try TempDir()
        let layer = try LayerWriter.build(entries: [LayerEntry(path: "/Files", kind: .directory, mode: 0o755)],
                                          options: LayerOptions(format: .windows), to: dir.sub("l.tgz"))
        #expect(try LayerReader.entries(ofLayerAt: layer.path).map(\.name) == ["Hives", "Files", "Files/Files"])
    }
}
