import Foundation
@testable import LayerBuilder
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

    // MARK: directory trees and `**`

    /// Regular files (name → content) and directories of a built layer below `prefix`, checked
    /// clean by `WindowsLayerCheck` (Windows) and with every parent before its children.
    static func tree(_ result: BuildResult, out: String, under prefix: String, windows: Bool = true) throws -> (files: [String: String], dirs: Set<String>, links: [String: String]) {
        let layer = OCILayout(root: out).blobPath(try Digest(try #require(result.platforms[0].newLayer)))
        let entries = try LayerReader.entries(ofLayerAt: layer)
        if windows { #expect(WindowsLayerCheck.check(entries).isEmpty) }
        var seen = Set<String>()
        var files: [String: String] = [:], dirs = Set<String>(), links: [String: String] = [:]
        for e in entries {
            let name = e.name.hasSuffix("/") ? String(e.name.dropLast()) : e.name
            let parent = (name as NSString).deletingLastPathComponent
            #expect(parent.isEmpty || seen.contains(parent), "\(name) comes before its folder")
            seen.insert(name)
            guard name.hasPrefix(prefix) else { continue }
            let rel = String(name.dropFirst(prefix.count))
            if e.isDirectory { dirs.insert(rel) }
            else if e.isRegularFile { files[rel] = String(decoding: try #require(try LayerReader.fileContents(e.name, inLayerAt: layer)), as: UTF8.self) }
            else if e.type == 0x32 { links[rel] = e.linkName }
        }
        return (files, dirs, links)
    }

    /// What `/Windows/System32/WindowsPowerShell/v1.0` shows after both layers: the update's
    /// profile.ps1 (spelled in other case there), no remove.ps1, no Modules/Old, and of the opaque
    /// Modules/Cache only fresh.txt; powershell.exe is a hard link resolved to its bytes.
    static let powerShellFiles = [
        "powershell.exe": "powershell from servercore\n", "profile.ps1": "profile v2\n",
        "en-US/powershell.exe.mui": "powershell mui\n", "Modules/Cache/fresh.txt": "fresh\n", "NLTEST.EXE": "another nltest\n",
    ]

    @Test(arguments: [false, true])
    func aFolderComesWithItsWholeTree(fromRegistry: Bool) async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir)
        func check(_ source: String, insecure: [String]) async throws {
            let env = ["WINIMG_CACHE_DIR": dir.file("cache")]
            var spec = Self.spec(source: source, paths: ["/Windows/System32/WindowsPowerShell"], dst: "/Windows/System32/", out: dir.file("out1"))
            spec.insecureRegistries = insecure
            let first = try await Support.build(spec, environment: env)
            #expect(first.copyFrom.layerBytesRead > 20 << 20, "a folder is read from every layer to the end: \(first.copyFrom)")
            let got = try Self.tree(first, out: dir.file("out1"), under: "Files/Windows/System32/WindowsPowerShell/")
            #expect(got.files == Self.powerShellFiles.reduce(into: [:]) { $0["v1.0/" + $1.key] = $1.value })
            #expect(got.dirs == ["v1.0", "v1.0/en-US", "v1.0/Modules", "v1.0/Modules/Cache", "v1.0/Empty"])
            #expect(first.copyFrom.files == 11, "5 files and 6 folders: \(first.copyFrom)")

            // The same request again: from the cache, the same layer.
            spec.tags = ["oci:\(dir.file("out2"))"]
            let second = try await Support.build(spec, environment: env)
            #expect(second.copyFrom.cacheHits == 1 && second.copyFrom.layerBytesRead == 0)
            #expect(second.platforms[0].newLayer == first.platforms[0].newLayer)

            // `**` over the same folder is another request: not served by the cached tree.
            spec.copyFrom[0].paths = ["/Windows/System32/WindowsPowerShell/**"]
            spec.tags = ["oci:\(dir.file("out3"))"]
            let third = try await Support.build(spec, environment: env)
            #expect(third.copyFrom.cacheHits == 0 && third.copyFrom.layerBytesRead > 0)
            #expect(try Self.tree(third, out: dir.file("out3"), under: "Files/Windows/System32/WindowsPowerShell/").dirs.contains("v1.0/Empty") == false,
                    "a pattern takes files, not empty folders")
        }
        if fromRegistry {
            try await withTestRegistry { registry in
                try await Skopeo.copyAll(from: "oci:\(layout):ltsc2022", to: "docker://\(registry.host)/servercore:ltsc2022", preserveDigests: true)
                try await check("\(registry.host)/servercore:{release}", insecure: [registry.host])
            }
        } else {
            try await check("oci:\(layout):ltsc2022", insecure: [])
        }
    }

    struct Placement: Sendable, CustomTestStringConvertible {
        var paths: [String]
        var dst: String?
        /// Layer path prefix the files are read below, and the expected files there.
        var under: String
        var files: [String: String]
        var testDescription: String { "\(paths) dst=\(dst ?? "-")" }
    }

    static let placements = [
        // One folder (trailing `/`) with a dst that does not end in `/`: its contents land in dst.
        Placement(paths: ["/Windows/System32/WindowsPowerShell/v1.0/"], dst: "/PS", under: "Files/PS/", files: powerShellFiles),
        // No dst: the tree stays where it is; only what the update left of Modules.
        Placement(paths: ["/windows/system32/windowspowershell/V1.0/Modules"], dst: nil,
                  under: "Files/Windows/System32/WindowsPowerShell/v1.0/", files: ["Modules/Cache/fresh.txt": "fresh\n"]),
        // `**` matches any number of folders (none too); what it matched stays below dst.
        Placement(paths: ["/Windows/System32/**/*.mui"], dst: "/mui/", under: "Files/mui/",
                  files: ["en-US/nltest.exe.mui": "nltest mui\n", "WindowsPowerShell/v1.0/en-US/powershell.exe.mui": "powershell mui\n"]),
        Placement(paths: ["/Windows/**/powershell.exe"], dst: "/bin/", under: "Files/bin/",
                  files: ["WinSxS/powershell.exe": "powershell from servercore\n",
                          "System32/WindowsPowerShell/v1.0/powershell.exe": "powershell from servercore\n"]),
        // A folder and a file together in one folder dst.
        Placement(paths: ["/Windows/System32/WindowsPowerShell/v1.0/en-US", "/Windows/System32/nltest.exe"], dst: "/tools", under: "Files/tools/",
                  files: ["en-US/powershell.exe.mui": "powershell mui\n", "nltest.exe": "nltest from servercore\n"]),
    ]

    @Test(arguments: placements)
    func treesAndPatternsLandBelowTheDestination(_ p: Placement) async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)  // placement only: a small base is enough
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: p.paths, dst: p.dst, out: dir.file("out"))
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        #expect(try Self.tree(result, out: dir.file("out"), under: p.under).files == p.files)
    }

    @Test func aFolderMadeOpaqueByTheUpdateNeedsNoOlderLayer() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir)
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/WindowsPowerShell/v1.0/Modules/Cache/"],
                             dst: "/c/", out: dir.file("out"))
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        #expect(result.copyFrom.layerBytesRead < 1 << 20, "only the update layer is read: \(result.copyFrom)")
        #expect(try Self.tree(result, out: dir.file("out"), under: "Files/c/").files == ["Cache/fresh.txt": "fresh\n"])
    }

    @Test func anAddedFolderAndACopiedTreeMerge() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)  // placement only: a small base is enough
        // A host folder whose mode differs from the copied Modules folder's: one folder, both contents.
        let host = dir.file("mine")
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: host + "/Mine.psm1"))
        var spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/WindowsPowerShell"], dst: "/Windows/System32/", out: dir.file("out"))
        spec.files = [FileSpec(source: host, destination: "/Windows/System32/WindowsPowerShell/v1.0/Modules")]
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        let got = try Self.tree(result, out: dir.file("out"), under: "Files/Windows/System32/WindowsPowerShell/v1.0/Modules/")
        #expect(got.files == ["Mine.psm1": "mine\n", "Cache/fresh.txt": "fresh\n"])
    }

    @Test func copyFromEntriesThatOverlapWithTheSameBytesMerge() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)
        // The pattern finds en-US/powershell.exe.mui again, at the place the tree already put it.
        var spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/WindowsPowerShell"], dst: "/Windows/System32/", out: dir.file("out"))
        spec.copyFrom.append(CopySpec(image: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/**/*.mui"]))
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        let got = try Self.tree(result, out: dir.file("out"), under: "Files/Windows/System32/")
        #expect(got.files["en-US/nltest.exe.mui"] == "nltest mui\n")
        #expect(got.files["WindowsPowerShell/v1.0/en-US/powershell.exe.mui"] == "powershell mui\n")
    }

    @Test func copyFromEntriesWritingDifferentFilesToOnePathFail() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)
        var spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/nltest.exe"], dst: "/bin/tool.exe", out: dir.file("out"))
        spec.copyFrom.append(CopySpec(image: "oci:\(layout):ltsc2022", paths: ["/Windows/System32/ntdsapi.dll"], destination: "/BIN/Tool.exe"))
        do {
            _ = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
            Issue.record("two files on one path were accepted")
        } catch let e as BuildError {
            #expect(e.description.contains("/BIN/Tool.exe") && e.description.contains("/bin/tool.exe") && e.description.contains("another dst"), "\(e)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }

    @Test func aLinuxTreeKeepsItsSymlinksAndEmptyFolders() async throws {
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)  // placement only: a small base is enough
        var spec = BuildSpec()
        spec.platforms = ["linux/amd64"]
        spec.bases = ["linux": "scratch"]
        spec.copyFrom = [CopySpec(image: "oci:\(layout):linux", paths: ["/opt/tool/"], destination: "/usr/local/")]
        spec.tags = ["oci:\(dir.file("out"))"]
        let result = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
        let got = try Self.tree(result, out: dir.file("out"), under: "usr/local/tool/", windows: false)
        #expect(got.files == ["bin/tool": "tool v2\n", "lib/libtool.so.1": "libtool\n"], "layer 2 replaced tool and deleted old.so")
        #expect(got.links == ["lib/libtool.so": "libtool.so.1"])
        #expect(got.dirs == ["bin", "lib", "share", "share/empty"])
    }

    static let badTrees: [(paths: [String], dst: String?, message: [String])] = [
        (["/Windows/System32/NoSuchFolder/"], nil, ["/Windows/System32/NoSuchFolder/", "not found"]),
        (["/Windows/System32/nltest.exe/"], nil, ["/Windows/System32/nltest.exe/", "not a folder", "drop the trailing /"]),
        (["/Windows/System32/WindowsPowerShell/v1.0/Modules/Old"], nil, ["/Windows/System32/WindowsPowerShell/v1.0/Modules/Old", "deletes it"]),
        (["/Windows/System32/netapi32.dll", "/Windows/WinSxS/netapi32.dll"], "/bin/",
         ["'/Windows/System32/netapi32.dll'", "'/Windows/WinSxS/netapi32.dll'", "/bin/netapi32.dll", "separate copy-from entries"]),
        // Windows names ignore case: nltest.exe and the tree's NLTEST.EXE are one destination.
        (["/Windows/System32/nltest.exe", "/Windows/System32/WindowsPowerShell/v1.0/*.EXE"], "/bin/",
         ["'/Windows/System32/nltest.exe'", "'/Windows/System32/WindowsPowerShell/v1.0/NLTEST.EXE'", "ignore case"]),
    ]

    @Test(arguments: badTrees.indices)
    func badTreeRequestsFailNamingThePaths(_ i: Int) async throws {
        let c = Self.badTrees[i]
        let dir = try TempDir()
        defer { CacheDirectory.remove(dir.path) }
        let layout = try await Self.fixture(dir, baseMiB: 1)  // placement only: a small base is enough
        let spec = Self.spec(source: "oci:\(layout):ltsc2022", paths: c.paths, dst: c.dst, out: dir.file("out"))
        do {
            _ = try await Support.build(spec, environment: ["WINIMG_CACHE_DIR": dir.file("cache")])
            Issue.record("\(c.paths) was accepted")
        } catch {
            let text = "\(error)"
            for m in c.message { #expect(text.contains(m), "\(text)") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }

    @Test func patternsAndTreesMatchBySegments() throws {
        let mui = try LayerSearch.Request("/Windows/System32/**/*.mui")
        func m(_ r: LayerSearch.Request, _ p: String, fold: Bool = false) -> Bool { r.matches(p.split(separator: "/"), caseFold: fold) }
        #expect(m(mui, "Windows/System32/a.mui") && m(mui, "Windows/System32/en-US/a.mui") && m(mui, "Windows/System32/x/y/z/a.mui"))
        #expect(!m(mui, "Windows/System32/a.dll") && !m(mui, "Windows/SysWOW64/a.mui") && !m(mui, "windows/system32/a.mui"))
        #expect(m(mui, "windows/system32/A.MUI", fold: true))
        #expect(mui.anchor == 2 && mui.isPattern)
        let all = try LayerSearch.Request("/opt/**/**")
        #expect(all.segments == ["opt", "**"], "repeated ** collapse")
        #expect(m(all, "opt/a") && m(all, "opt/a/b") && !m(all, "opt"), "a trailing ** takes what is inside, not the folder")
        let star = try LayerSearch.Request("/opt/*/bin")
        #expect(m(star, "opt/x/bin") && !m(star, "opt/x/y/bin"), "* stays within one name")
        let folder = try LayerSearch.Request("/Windows/System32/WindowsPowerShell/")
        #expect(folder.directoryOnly && !folder.isPattern && folder.anchor == 2)
        #expect(throws: LayerBuilderError.self) { try LayerSearch.Request("/a/../b") }
    }

    @Test func flagForm() throws {
        let c = try CopySpec(flag: "image=reg/servercore:{release},path=/Windows/System32/a.dll,path=/Windows/System32/b.dll,dst=/Windows/System32/,only=windows")
        #expect(c.paths.count == 2 && c.destination == "/Windows/System32/" && c.only == "windows")
        #expect(throws: BuildError.self) { try CopySpec(flag: "path=/x") }
        #expect(throws: BuildError.self) { try CopySpec(flag: "image=x,path=/a,color=red") }
    }
}
