import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// `copy-from`: files streamed out of a Server Core-like image on the real registry (a 208 MiB
/// incompressible base layer — 218 MB of gzip — with a hard link, and an update layer that
/// replaces and deletes files), whiteouts and Windows case rules honoured, and a second build
/// served from the cache without reading a layer byte. The other cases use a 24 MiB base layer.
/// Peak memory while streaming is measured by Benchmarks/copy-from-rss.py (BENCHMARKS.md).
@Suite struct CopyFromTests {
    static func fixture(_ dir: TempDir, baseMiB: Int = 24) async throws -> String {
        let out = dir.file("servercore")
        let r = try await TestSupport.run("/usr/bin/env", ["python3", Fixtures.repoPath("testdata/copy-from/make-servercore.py"), out, "\(baseMiB)"],
                                          timeout: 120)
        guard r.status == 0 else { throw TestSupportError("make-servercore.py: \(r.stderrString)") }
        return out
    }

    static func spec(source: String, paths: [String], dst: String?, out: String) -> BuildSpec {
        var spec = BuildSpec()
        spec.platforms = ["windows/amd64:ltsc2022"]
        spec.bases = ["windows": Support.layoutBase("nanoserver-ltsc2022", tag: "ltsc2022")]
        spec.copyFrom = [CopySpec(image: source, paths: paths, destination: dst)]
        spec.tags = ["oci:\(out)"]
        return spec
    }

    @Test func filesComeFromTheRegistryImageWithWhiteoutsAndTheCacheMakesTheRebuildFree() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 208)
        try await withTestRegistry { registry in
            try await Skopeo.copyAll(from: "oci:\(layout):ltsc2022", to: "docker://\(registry.host)/servercore:ltsc2022", preserveDigests: true)
            let source = "\(registry.host)/servercore:{release}"
            // Mixed case on purpose: Windows paths ignore case.
            let paths = ["/windows/system32/NETAPI32.dll", "/Windows/System32/ntdsapi.dll", "/Windows/System32/old.dll",
                         "/Windows/System32/en-US/*.mui"]
            let env = ["WINIMG_CACHE_DIR": dir.file("cache")]
            var spec = Self.spec(source: source, paths: paths, dst: "/Windows/System32/", out: dir.file("out1"))
            spec.insecureRegistries = [registry.host]
            let first = try await Support.build(spec, environment: env)
            #expect(first.copyFrom.files == 4 && first.copyFrom.cacheHits == 0)
            #expect(first.copyFrom.layerBytesRead > 200 << 20, "the glob needs the whole base layer: \(first.copyFrom)")

            let layer = OCILayout(root: dir.file("out1")).blobPath(try Digest(try #require(first.platforms[0].newLayer)))
            func content(_ name: String) throws -> String? {
                try LayerReader.fileContents("Files/Windows/System32/" + name, inLayerAt: layer).map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(try content("netapi32.dll") == "netapi32 from servercore\n", "a hard link resolved to its target's bytes")
            #expect(try content("ntdsapi.dll") == "ntdsapi from servercore\n")
            #expect(try content("old.dll") == "new version\n", "the newer layer wins")
            #expect(try content("nltest.exe.mui") == "nltest mui\n")
            #expect(WindowsLayerCheck.check(try LayerReader.entries(ofLayerAt: layer)).isEmpty)

            // Same source and paths: from the cache, no layer byte read, same layer.
            spec.tags = ["oci:\(dir.file("out2"))"]
            let second = try await Support.build(spec, environment: env)
            #expect(second.copyFrom.cacheHits == 1 && second.copyFrom.layerBytesRead == 0)
            #expect(second.platforms[0].newLayer == first.platforms[0].newLayer)
        }
    }

    @Test func exactPathsStopBeforeTheBigFile() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir)
        // netapi32.dll is a hard link: the second pass for its target stops early as well.
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/nltest.exe", "/Windows/System32/netapi32.dll"],
                             dst: "/bin/", out: dir.file("out"))
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        #expect(result.copyFrom.files == 2)
        #expect(result.copyFrom.layerBytesRead < 20 << 20, "stopped before the 24 MiB file: \(result.copyFrom)")
        let layer = OCILayout(root: dir.file("out")).blobPath(try Digest(try #require(result.platforms[0].newLayer)))
        #expect(try LayerReader.fileContents("Files/bin/nltest.exe", inLayerAt: layer) == Array("nltest from servercore\n".utf8))
        #expect(try LayerReader.fileContents("Files/bin/netapi32.dll", inLayerAt: layer) == Array("netapi32 from servercore\n".utf8))
    }

    @Test func aWhitedOutFileIsReportedAsDeleted() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir)
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/gone.dll"], dst: nil, out: dir.file("out"))
        do {
            _ = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
            Issue.record("a deleted file was copied")
        } catch let e as BuildError {
            #expect(e.description.contains("/Windows/System32/gone.dll") && e.description.contains("deletes it"), "\(e)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }

    @Test func aBlobThatDoesNotMatchItsDigestFailsAndIsNotCached() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir)
        // Bytes after the gzip stream do not disturb the tar reader; only the digest catches them.
        let manifest = try ImageManifest(data: try OCILayout(root: layout).readBlob(try OCILayout(root: layout).resolve(tag: "ltsc2022").digest, maxSize: 1 << 20))
        let update = OCILayout(root: layout).blobPath(try manifest.layers[1].digest)
        let handle = try #require(FileHandle(forWritingAtPath: update))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("tampered".utf8))
        try handle.close()
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/*.dll"], dst: nil, out: dir.file("out"))
        do {
            _ = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
            Issue.record("a tampered blob was accepted")
        } catch let e as RegistryError {
            guard case .digestMismatch = e else { Issue.record("unexpected \(e)"); return }
        }
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: dir.file("cache/copy-from"))) ?? []
        #expect(cached.isEmpty, "nothing cached from a blob that failed its digest: \(cached)")
    }

    @Test func flagForm() throws {
        let c = try CopySpec(flag: "image=reg/servercore:{release},path=/Windows/System32/a.dll,path=/Windows/System32/b.dll,dst=/Windows/System32/,only=windows")
        #expect(c.paths.count == 2 && c.destination == "/Windows/System32/" && c.only == "windows")
        #expect(throws: BuildError.self) { try CopySpec(flag: "path=/x") }
        #expect(throws: BuildError.self) { try CopySpec(flag: "image=x,path=/a,color=red") }
    }
}
