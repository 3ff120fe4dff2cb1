import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// Release archives as `add` inputs: unpacked through libarchive into the new layer, hostile
/// entries refused before anything is written, unpacked trees reused from the cache.
@Suite struct ArchiveInputTests {
    static let formats = ["zip", "tar", "tar.gz", "tar.xz"]

    static func makeArchive(_ kind: String, _ format: String, in dir: TempDir) async throws -> String {
        let out = dir.file("\(kind).\(format)")
        let r = try await TestSupport.run("/usr/bin/env", ["python3", Fixtures.repoPath("testdata/archive-inputs/make-archive.py"),
                                                     kind, format, out])
        guard r.status == 0 else { throw TestSupportError("make-archive.py failed: \(r.stderrString)") }
        return out
    }

    static func spec(platform: String, add: [FileSpec], out: String) -> BuildSpec {
        var spec = BuildSpec()
        spec.platforms = [platform]
        spec.bases = ["linux": "scratch", "windows:ltsc2022": Support.layoutBase("nanoserver-ltsc2022", tag: "ltsc2022")]
        spec.files = add
        spec.tags = ["oci:\(out)"]
        return spec
    }

    /// Builds and returns the new layer's path in the output layout.
    static func buildLayer(_ spec: BuildSpec, cache: String) async throws -> String {
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": cache])
        let digest = try Digest(try #require(result.platforms[0].newLayer))
        return OCILayout(root: String(spec.tags[0].dropFirst(4))).blobPath(digest)
    }

    @Test(arguments: formats)
    func linuxLayerHoldsTheUnpackedTree(format: String) async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive("good", format, in: dir)
        // The flag form: an archive name and a destination ending in '/' unpack.
        let layer = try await Self.buildLayer(Self.spec(platform: "linux/amd64", add: [try FileSpec(flag: "\(archive):/opt/")],
                                                        out: dir.file("out")), cache: dir.file("cache"))
        let entries = try LayerReader.entries(ofLayerAt: layer)
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // In the tar formats tool.exe and hard are one file: the first name in layer order carries the bytes.
        let tool = try LayerReader.fileContents("opt/app/bin/tool.exe", inLayerAt: layer)
            ?? LayerReader.fileContents("opt/app/bin/hard", inLayerAt: layer)
        #expect(tool == Array("tool-bytes".utf8))
        #expect(try LayerReader.fileContents("opt/app/README.txt", inLayerAt: layer) == Array("read me\n".utf8))
        #expect(byName["opt/app/data"]?.isDirectory == true || byName["opt/app/data/"]?.isDirectory == true)
        // Links survive in Linux layers: the symlink as a symlink, the hard link as a hard link.
        #expect(byName["opt/app/bin/alias"]?.type == 0x32)
        #expect(byName["opt/app/bin/alias"]?.linkName == "tool.exe")
        if format != "zip" {
            let hard = try #require(byName["opt/app/bin/hard"])
            let tool = try #require(byName["opt/app/bin/tool.exe"])
            // One of the pair carries the content, the other links to it.
            #expect([hard.type, tool.type].sorted() == [0x30, 0x31])
        }
    }

    @Test func windowsLayerStoresLinkTargetsAsFiles() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive("good", "tar.gz", in: dir)
        // The spec form with 'archive:' unpacks whatever the destination looks like.
        let spec = try BuildSpec.parse(yaml: """
            add:
              - {archive: "\(archive)", dst: /app}
            """)
        let layer = try await Self.buildLayer(Self.spec(platform: "windows/amd64:ltsc2022", add: spec.files, out: dir.file("out")),
                                              cache: dir.file("cache"))
        let entries = try LayerReader.entries(ofLayerAt: layer)
        #expect(WindowsLayerCheck.check(entries).isEmpty)
        #expect(try LayerReader.fileContents("Files/app/app/bin/alias", inLayerAt: layer) == Array("tool-bytes".utf8))
        let links = entries.filter { $0.type == 0x31 }
        #expect(links.count == 1)
        #expect(links.allSatisfy { $0.linkName.hasPrefix("Files/app/app/bin/") }, "Windows hard links name their target under Files/")
        #expect(!entries.contains { $0.type == 0x32 }, "no symlinks in a Windows layer")
    }

    @Test func aFileWithAnArchiveNameIsCopiedWhenTheDestinationNamesAFile() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive("good", "zip", in: dir)
        let layer = try await Self.buildLayer(Self.spec(platform: "linux/amd64", add: [try FileSpec(flag: "\(archive):/dl/release.zip")],
                                                        out: dir.file("out")), cache: dir.file("cache"))
        let bytes = try #require(try LayerReader.fileContents("dl/release.zip", inLayerAt: layer))
        #expect(Data(bytes) == (try Data(contentsOf: URL(fileURLWithPath: archive))))
    }

    static let hostile: [(kind: String, format: String, says: String)] = [
        ("dotdot", "zip", "path traversal"), ("dotdot", "tar.gz", "path traversal"),
        ("absolute", "tar", "absolute"), ("absolute", "zip", "absolute"), ("drive", "zip", "drive letter"),
        ("symlink-escape", "tar.gz", "outside the archive"), ("symlink-escape", "zip", "outside the archive"),
        ("symlink-absolute", "tar.xz", "absolute path"), ("link-then-write", "tar", "through the symbolic link"),
        ("device", "tar", "device"), ("hardlink-outside", "tar", "path traversal"),
    ]

    @Test(arguments: hostile.indices)
    func hostileEntriesAreRefusedAndNothingIsCached(_ i: Int) async throws {
        let c = Self.hostile[i]
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive(c.kind, c.format, in: dir)
        let cache = dir.file("cache")
        let spec = Self.spec(platform: "linux/amd64", add: [FileSpec(source: archive, destination: "/app/")], out: dir.file("out"))
        do {
            _ = try BuildPlan(spec: spec, environment: ["WINIMG_CACHE_DIR": cache])
            Issue.record("\(c.kind).\(c.format) was accepted")
        } catch let e as LayerBuilderError {
            guard case .unsafeArchiveEntry = e else { Issue.record("unexpected \(e)"); return }
            #expect(e.description.contains(c.says), "\(e)")
            #expect(e.description.contains(archive) && e.description.contains("repack"), "\(e)")
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/archives")) ?? []
        #expect(left.isEmpty, "a refused archive leaves nothing in the cache: \(left)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/evil.txt"))
    }

    @Test func sizeLimitStopsACompressionBomb() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive("bomb", "tar.gz", in: dir)
        #expect((try FileManager.default.attributesOfItem(atPath: archive)[.size] as? NSNumber)!.intValue < 64 << 10)
        #expect(throws: LayerBuilderError.self) {
            try HostArchive.extracted(archive, cacheRoot: dir.file("cache"), limits: .init(maxTotalBytes: 1 << 20))
        }
        let tooMany = ArchiveExtractor.Limits(maxEntries: 1)
        do {
            _ = try HostArchive.extracted(archive, cacheRoot: dir.file("cache"), limits: tooMany)
            Issue.record("accepted")
        } catch let e as LayerBuilderError {
            #expect(e.description.contains("more than 1 entries"), "\(e)")
        }
        // Within the limits it unpacks.
        let tree = try HostArchive.extracted(archive, cacheRoot: dir.file("cache"))
        #expect((try FileManager.default.attributesOfItem(atPath: tree + "/zeros.bin")[.size] as? NSNumber)?.intValue == 4 << 20)
    }

    @Test func anUnpackedArchiveIsReusedFromTheCache() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let archive = try await Self.makeArchive("good", "tar.xz", in: dir)
        let cache = dir.file("cache")
        let first = try HostArchive.extracted(archive, cacheRoot: cache)
        // Mark the cached tree: a second extraction would replace it, a cache hit keeps it.
        try Data("marker".utf8).write(to: URL(fileURLWithPath: first + "/.marker"))
        let copy = dir.file("renamed.tar.xz")
        try FileManager.default.copyItem(atPath: archive, toPath: copy)
        let second = try HostArchive.extracted(copy, cacheRoot: cache)
        #expect(second == first, "same content, same cache entry")
        #expect(FileManager.default.fileExists(atPath: second + "/.marker"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache + "/archives").count == 1)
    }

    @Test func specRejectsSrcAndArchiveTogether() throws {
        #expect(throws: BuildError.self) {
            try BuildSpec.parse(yaml: "add:\n  - {src: a, archive: b.zip, dst: /x/}\n")
        }
    }
}
