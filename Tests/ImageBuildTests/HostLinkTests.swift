import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// The link policy for host directories (docs/build.md, "Links"): Linux layers keep symbolic and
/// hard links; Windows layers store a symbolic link's target file and keep hard links with the
/// `Files/` target the importer accepts; links Windows cannot hold are refused by name.
@Suite struct HostLinkTests {
    /// tree/: bin/tool.exe, bin/alias -> tool.exe, bin/hard (hard link to tool.exe), doc.txt
    static func makeTree(_ dir: TempDir) throws -> String {
        let tree = dir.file("tree")
        try dir.write("tree/bin/tool.exe", Data("tool".utf8))
        try dir.write("tree/doc.txt", Data("doc".utf8))
        try FileManager.default.createSymbolicLink(atPath: tree + "/bin/alias", withDestinationPath: "tool.exe")
        try FileManager.default.linkItem(atPath: tree + "/bin/tool.exe", toPath: tree + "/bin/hard")
        return tree
    }

    static func layer(platform: String, tree: String, dir: TempDir) async throws -> (String, [TarEntryInfo]) {
        let spec = ArchiveInputTests.spec(platform: platform, add: [FileSpec(source: tree, destination: "/t")], out: dir.file("out"))
        let path = try await ArchiveInputTests.buildLayer(spec, cache: dir.file("cache"))
        return (path, try LayerReader.entries(ofLayerAt: path))
    }

    @Test func linuxKeepsSymbolicAndHardLinks() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (path, entries) = try await Self.layer(platform: "linux/amd64", tree: try Self.makeTree(dir), dir: dir)
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["t/bin/alias"]?.type == 0x32 && byName["t/bin/alias"]?.linkName == "tool.exe")
        #expect(byName["t/bin/hard"]?.isRegularFile == true, "the first name in layer order carries the content")
        #expect(byName["t/bin/tool.exe"]?.type == 0x31 && byName["t/bin/tool.exe"]?.linkName == "t/bin/hard")
        #expect(try LayerReader.fileContents("t/bin/hard", inLayerAt: path) == Array("tool".utf8))
        // libarchive, an independent reader, agrees on the link.
        let viaLibarchive = try LayerReader.entriesViaLibarchive(ofLayerAt: path)
        #expect(viaLibarchive.first { $0.name == "t/bin/tool.exe" }?.type == 0x31)
    }

    @Test func windowsStoresLinkTargetsAndKeepsHardLinksUnderFiles() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (path, entries) = try await Self.layer(platform: "windows/amd64:ltsc2022", tree: try Self.makeTree(dir), dir: dir)
        #expect(WindowsLayerCheck.check(entries).isEmpty)
        #expect(!entries.contains { $0.type == 0x32 })
        #expect(try LayerReader.fileContents("Files/t/bin/alias", inLayerAt: path) == Array("tool".utf8))
        let link = try #require(entries.first { $0.name == "Files/t/bin/tool.exe" })
        #expect(link.type == 0x31 && link.linkName == "Files/t/bin/hard")
        #expect(link.paxRecords["MSWINDOWS.rawsd"] != nil)
    }

    static let refused: [(name: String, make: @Sendable (String) throws -> Void, says: String)] = [
        ("escaping", { try FileManager.default.createSymbolicLink(atPath: $0 + "/out", withDestinationPath: "../outside.txt") }, "outside the added directory"),
        ("dangling", { try FileManager.default.createSymbolicLink(atPath: $0 + "/gone", withDestinationPath: "missing.exe") }, "dangling"),
        ("loop", { t in
            try FileManager.default.createSymbolicLink(atPath: t + "/a", withDestinationPath: "b")
            try FileManager.default.createSymbolicLink(atPath: t + "/b", withDestinationPath: "a")
        }, "loop"),
        ("directory", { t in
            try FileManager.default.createDirectory(atPath: t + "/real", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: t + "/dirlink", withDestinationPath: "real")
        }, "points to a directory"),
    ]

    @Test(arguments: refused.indices)
    func windowsRefusesLinksItCannotHold(_ i: Int) async throws {
        let c = Self.refused[i]
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("outside.txt", Data("secret".utf8))
        let tree = try Self.makeTree(dir)
        try c.make(tree)
        let spec = ArchiveInputTests.spec(platform: "windows/amd64:ltsc2022", add: [FileSpec(source: tree, destination: "/t")], out: dir.file("out"))
        do {
            _ = try BuildPlan(spec: spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
            Issue.record("\(c.name) link accepted")
        } catch let e as BuildError {
            guard case .hostLink = e else { Issue.record("unexpected \(e)"); return }
            #expect(e.description.contains(c.says), "\(e)")
            #expect(e.description.contains(tree), "names the link: \(e)")
        }
        // The same tree is fine for Linux, which keeps the links as links.
        var linux = spec
        linux.platforms = ["linux/amd64"]
        #expect(throws: Never.self) { _ = try BuildPlan(spec: linux, environment: ["WINIMG_CACHE_DIR": dir.file("cache")]) }
    }

    @Test func aNamedSymlinkSourceIsFollowed() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("real.exe", Data("real".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir.file("named.exe"), withDestinationPath: "real.exe")
        for platform in ["linux/amd64", "windows/amd64:ltsc2022"] {
            let spec = ArchiveInputTests.spec(platform: platform, add: [FileSpec(source: dir.file("named.exe"), destination: "/x.exe")],
                                              out: dir.file("out-\(platform.prefix(5))"))
            let path = try await ArchiveInputTests.buildLayer(spec, cache: dir.file("cache"))
            let name = platform.hasPrefix("windows") ? "Files/x.exe" : "x.exe"
            #expect(try LayerReader.fileContents(name, inLayerAt: path) == Array("real".utf8), "\(platform)")
        }
    }

    @Test func hardLinkBeforeItsTargetIsReordered() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let entries = [LayerEntry(path: "/z.bin", kind: .data(Array("zz".utf8)), mode: 0o644),
                       LayerEntry(path: "/a.bin", kind: .hardlink(target: "/z.bin"), mode: 0o644),
                       LayerEntry(path: "/m.bin", kind: .hardlink(target: "/z.bin"), mode: 0o644)]
        let layer = try LayerWriter.build(entries: entries, options: LayerOptions(format: .linux), to: dir.file("l.tar.gz"))
        let read = try LayerReader.entries(ofLayerAt: layer.path)
        #expect(read.map(\.name) == ["a.bin", "m.bin", "z.bin"])
        #expect(read[0].isRegularFile && read[0].size == 2)
        #expect(read[1].type == 0x31 && read[1].linkName == "a.bin")
        #expect(read[2].type == 0x31 && read[2].linkName == "a.bin")
        #expect(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [LayerEntry(path: "/a", kind: .hardlink(target: "/nope"), mode: 0o644)],
                                  options: LayerOptions(format: .linux), to: dir.file("bad.tar.gz"))
        }
    }
}
