import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// The pause example built offline into OCI layouts, checked document by document and by
/// independent readers (skopeo, Python).
@Suite struct LayoutBuildTests {
    @Test func pauseExampleBuildsFiveValidPlatforms() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let out = dir.file("pause")
        let result = try await Support.build(try Support.pauseSpec(tags: ["oci:\(out):3.10"], bases: Support.layoutBases))

        #expect(result.platforms.map(\.platform) == ["windows/amd64", "windows/amd64", "windows/amd64", "linux/amd64", "linux/arm64"])
        #expect(result.platforms.map(\.osVersion) == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314", nil, nil])
        // The three Windows releases share one layer, built once; the two Linux binaries differ.
        #expect(Set(result.platforms.prefix(3).map(\.newLayer)).count == 1)
        #expect(result.layersBuilt == 3)
        #expect(result.index.mediaType == MediaType.ociIndex)

        let reader = LayoutReader(out)
        let (top, index) = try reader.index(tag: "3.10")
        #expect(top.digest.description == result.index.digest)
        let entries = try index.manifests
        #expect(entries.count == 5)
        for (entry, expected) in zip(entries, result.platforms) {
            let manifest = try reader.manifest(entry)
            let config = try reader.config(manifest)
            #expect(entry.digest.description == expected.manifest)
            // The index entry says exactly what the image config says.
            #expect(entry.platform?.osVersion == config.osVersion)
            #expect(entry.platform?.os == config.os && entry.platform?.architecture == config.architecture)
            #expect(try config.diffIDs.count == manifest.layerCount)
            if config.os == "windows" {
                #expect(entry.mediaType == MediaType.dockerManifest, "new layers follow the Docker base")
                #expect(try manifest.layers.last?.mediaType == MediaType.dockerLayerGzip)
                #expect(config.env == [#"PATH=C:\Windows\system32;C:\Windows;"#], "no Linux PATH in a Windows config")
                #expect(config.user == "ContainerUser", "the base's user survives")
                #expect(config.entrypoint == ["/pause.exe"])
                #expect(config.cmd == nil, "a new entrypoint drops nanoserver's cmd.exe")
                #expect(config.labels["org.opencontainers.image.source"] == "https://example.invalid/pause")
            } else {
                #expect(entry.mediaType == MediaType.ociManifest)
                #expect(config.entrypoint == ["/pause"])
                #expect(config.env.first?.hasPrefix("PATH=/usr/local/sbin") == true)
            }
        }
        try await Support.checkLayoutIndependently(out)

        // skopeo, an independent client, reads the same index by tag.
        let raw = try await Skopeo.inspectRaw("oci:\(out):3.10")
        #expect(SHA256Digest.of(raw).description == result.index.digest)
    }

    @Test func windowsLayerHasTheWindowsLayout() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let out = dir.file("pause")
        let result = try await Support.build(try Support.pauseSpec(tags: ["oci:\(out)"], bases: Support.layoutBases))
        let layerDigest = try Digest(try #require(result.platforms[0].newLayer))
        let path = OCILayout(root: out).blobPath(layerDigest)

        let entries = try LayerReader.entries(ofLayerAt: path)
        #expect(entries.map(\.name) == ["Hives", "Files", "Files/Windows", "Files/Windows/System32",
                                        "Files/Windows/System32/wincat.exe", "Files/pause.exe"])
        #expect(entries.prefix(2).allSatisfy { $0.paxRecords.isEmpty && $0.isDirectory })
        for e in entries.dropFirst(2) {
            #expect(e.paxRecords["MSWINDOWS.rawsd"] == "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==", "\(e.name)")
            #expect(e.uid == 0 && e.gid == 0 && e.mtime == 0)
        }
        #expect(WindowsLayerCheck.check(entries).isEmpty)
        // libarchive, an independent reader, sees the same entries.
        #expect(try LayerReader.entriesViaLibarchive(ofLayerAt: path).map(\.name) == entries.map(\.name))
        let pause = try #require(try LayerReader.fileContents("Files/pause.exe", inLayerAt: path))
        let source = try Data(contentsOf: URL(fileURLWithPath: Fixtures.repoPath("examples/pause/bin/windows/amd64/pause.exe")))
        #expect(Data(pause) == source)
    }

    @Test func rebuildIsByteIdenticalAndEpochChangesIt() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let a = try await Support.build(try Support.pauseSpec(tags: ["oci:\(dir.file("a"))"], bases: Support.layoutBases))
        let b = try await Support.build(try Support.pauseSpec(tags: ["oci:\(dir.file("b"))"], bases: Support.layoutBases))
        #expect(a.index.digest == b.index.digest)
        #expect(a.platforms.map(\.newLayer) == b.platforms.map(\.newLayer))
        let c = try await Support.build(try Support.pauseSpec(tags: ["oci:\(dir.file("c"))"], bases: Support.layoutBases),
                                        environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(c.index.digest != a.index.digest)
        let config = try LayoutReader(dir.file("c")).blob(c.platforms[0].config)
        #expect(try ImageConfig(data: config).created == "2023-11-14T22:13:20Z")
    }

    @Test func allDockerChildrenMakeADockerManifestList() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("w")):1"], bases: Support.layoutBases)
        spec.platforms = ["windows/amd64:1809", "windows/amd64:20348"]
        let result = try await Support.build(spec)
        #expect(result.index.mediaType == MediaType.dockerManifestList)
        #expect(result.platforms.map(\.osVersion) == ["10.0.17763.6414", "10.0.20348.2762"])
        try await Support.checkLayoutIndependently(dir.file("w"))
    }

    @Test func serverCoreFeaturesComeFromTheBaseIndexEntry() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("sc"))"])
        spec.platforms = ["windows/amd64:ltsc2022"]
        spec.bases = ["windows": Support.layoutBase("servercore-ltsc2022", tag: "ltsc2022")]
        let result = try await Support.build(spec)
        let p = try #require(result.platforms.first)
        #expect(p.osVersion == "10.0.20348.2762")
        #expect(p.osFeatures == ["win32k"])
        let reader = LayoutReader(dir.file("sc"))
        let (_, index) = try reader.index(tag: "latest")
        let entry = try #require(try index.manifests.first)
        #expect(entry.platform?.osFeatures == ["win32k"])
        let config = try reader.config(try reader.manifest(entry))
        #expect(config.osFeatures == ["win32k"], "config and index agree")
        #expect(try reader.manifest(entry).layerCount == 3, "two servercore layers plus ours")
    }

    @Test func foreignBaseLayerIsKeptAsWrittenAndNeverCopied() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("f"))"])
        spec.platforms = ["windows/amd64:ltsc2019"]
        spec.bases = ["windows": Support.layoutBase("nanoserver-1809-foreign", tag: "1809-foreign")]
        let result = try await Support.build(spec)
        #expect(result.transfer.foreignLayersSkipped == 1)

        let base = LayoutReader(Fixtures.repoPath("testdata/bases/nanoserver-1809-foreign"))
        let baseManifest = try ImageManifest(data: try base.blob(try base.layout.resolve(tag: "1809-foreign").digest))
        let reader = LayoutReader(dir.file("f"))
        let built = try reader.manifest(try #require(try reader.index(tag: "latest").1.manifests.first))
        // Base layer objects are the base's, byte for byte (urls included).
        #expect(Array(built.layerValues.prefix(2)).map { $0.serialized() } == baseManifest.layerValues.map { $0.serialized() })
        let foreign = try #require(try built.layers.first)
        #expect(foreign.mediaType == MediaType.dockerForeignLayerGzip)
        #expect(foreign.urls?.first?.hasPrefix("https://mcr.microsoft.com/") == true)
        #expect(!reader.layout.hasBlob(foreign.digest))
        #expect(result.platforms[0].osVersion == "10.0.17763.1040")
    }

    @Test func buildFailsBeforeWritingAnything() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("x"))"], bases: Support.layoutBases)
        // The 1809 layout has no ltsc2022 image: resolution fails, nothing is written.
        spec.bases["windows:ltsc2022"] = Support.layoutBase("nanoserver-1809", tag: "1809")
        await #expect(throws: BuildError.self) { try await Support.build(spec) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("x")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

@Suite struct BaseSelectionTests {
    @Test func linuxBaseIndexEntriesArePickedPerArchitecture() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("l"))"])
        spec.platforms = ["linux/amd64", "linux/arm64/v8"]
        spec.bases = ["linux": Support.layoutBase("linux-busybox-like", tag: "latest")]
        let result = try await Support.build(spec)
        #expect(result.platforms.map(\.platform) == ["linux/amd64", "linux/arm64/v8"])
        let reader = LayoutReader(dir.file("l"))
        for entry in try reader.index(tag: "latest").1.manifests {
            let config = try reader.config(try reader.manifest(entry))
            #expect(config.architecture == entry.platform?.architecture)
            // The base's PATH is kept (no default added on top of a real base), its Cmd dropped.
            #expect(config.env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
            #expect(config.cmd == nil && config.entrypoint == ["/pause"])
            #expect(try reader.manifest(entry).layerCount == 2)
        }
        try await Support.checkLayoutIndependently(dir.file("l"))
    }

    @Test(arguments: [
        ("windows/amd64:10.0.20348.2762", nil),
        ("windows/amd64:20348", nil),
        ("windows/amd64:10.0.20348", nil),
        ("windows/amd64:10.0.20348.1", "not the 10.0.20348.1"),
        ("windows/amd64:ltsc2025", "build 20348"),
    ] as [(String, String?)])
    func windowsVersionMustMatchTheBase(platform: String, failure: String?) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("w"))"])
        spec.platforms = [platform]
        spec.bases = ["windows": Support.layoutBase("nanoserver-ltsc2022", tag: "ltsc2022")]
        if let failure {
            let error = await #expect(throws: BuildError.self) { try await Support.build(spec) }
            #expect(error?.description.contains(failure) == true, "\(String(describing: error))")
        } else {
            let result = try await Support.build(spec)
            #expect(result.platforms.first?.osVersion == "10.0.20348.2762")
        }
    }

    @Test func chooseFromIndexPrefersNewestRevisionOfTheBuild() throws {
        func entry(_ v: String?, arch: String = "amd64") throws -> Descriptor {
            Descriptor(mediaType: MediaType.ociManifest, digest: SHA256Digest.of(Data((v ?? "none").utf8)), size: 1,
                       platform: Platform(os: "windows", architecture: arch, osVersion: v))
        }
        let entries = [try entry("10.0.17763.6414"), try entry("10.0.20348.999"), try entry("10.0.20348.2762"),
                       try entry("10.0.20348.3000", arch: "arm64"), try entry("10.0.26100.1")]
        let p = try PlatformSpec(parsing: "windows/amd64:ltsc2022")
        #expect(try BaseResolver.choose(from: entries, for: p, base: "b").platform?.osVersion == "10.0.20348.2762")
        let exact = try PlatformSpec(parsing: "windows/amd64:10.0.20348.999")
        #expect(try BaseResolver.choose(from: entries, for: exact, base: "b").platform?.osVersion == "10.0.20348.999")
        let missing = try PlatformSpec(parsing: "windows/amd64:1909")
        #expect(throws: BuildError.self) { try BaseResolver.choose(from: entries, for: missing, base: "b") }
    }
}
