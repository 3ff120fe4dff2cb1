import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// End to end on Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1, checked with skopeo.
@Suite(.serialized) struct RegistryBuildTests {
    /// Seeds the three nanoserver-like bases (and servercore) into `registry` with skopeo, keeping
    /// their digests, as a user's registry mirror would hold them.
    static func seedBases(_ registry: TestRegistry) async throws -> [String: String] {
        let seeds = [("nanoserver-1809", "windows/nanoserver:1809"), ("nanoserver-ltsc2022", "windows/nanoserver:ltsc2022"),
                     ("nanoserver-ltsc2025", "windows/nanoserver:ltsc2025")]
        for (layout, ref) in seeds {
            // No tag: containers/image matches tags only on OCI-typed index.json entries.
            try await Skopeo.copyAll(from: "oci:" + Fixtures.repoPath("testdata/bases/\(layout)"),
                               to: "docker://\(registry.host)/\(ref)", preserveDigests: true)
        }
        return ["windows:ltsc2019": "\(registry.host)/windows/nanoserver:1809",
                "windows:ltsc2022": "\(registry.host)/windows/nanoserver:ltsc2022",
                "windows:ltsc2025": "\(registry.host)/windows/nanoserver:ltsc2025",
                "linux": "scratch"]
    }

    @Test func pauseOnRealRegistry() async throws {
        try await withTestRegistry { registry in
            let bases = try await Self.seedBases(registry)
            let target = "\(registry.host)/e2e/pause:3.10"
            let result = try await Support.build(try Support.pauseSpec(tags: [target], bases: bases))

            // The index as skopeo reads it is exactly ours, with os.version from each base config.
            let raw = try await Skopeo.inspectRaw("docker://\(target)")
            #expect(SHA256Digest.of(raw).description == result.index.digest)
            let index = try ImageIndex(data: raw)
            #expect(index.mediaType == MediaType.ociIndex)
            #expect(try index.manifests.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314", nil, nil])
            #expect(result.platforms.prefix(3).allSatisfy { $0.base.contains("@sha256:") }, "bases pinned by digest")

            // Not one base-layer byte uploaded: each new layer and config exactly once.
            let newLayers = Set(result.platforms.compactMap(\.newLayer))
            #expect(newLayers.count == 3)
            #expect(result.transfer.blobsUploaded == newLayers.count + 5)
            #expect(result.transfer.blobsSkipped + result.transfer.blobsMounted == 3, "three distinct base layers, already there")
            let dir = try TempDir()
            defer { dir.remove() }
            // skopeo copies the whole index (every child, every blob) to an OCI layout ...
            try await Skopeo.copyAll(from: "docker://\(target)", to: "oci:\(dir.file("copy")):3.10", preserveDigests: true)
            // ... which an independent checker verifies: digests, diff_ids, Windows layout, schemas.
            try await Support.checkLayoutIndependently(dir.file("copy"))
            let copy = LayoutReader(dir.file("copy"))
            var configBytes: Int64 = 0
            for entry in try index.manifests {
                let m = try copy.manifest(entry)
                configBytes += try m.config.size
                #expect(entry.platform?.osVersion == (try copy.config(m)).osVersion)
            }
            let layerBytes = try newLayers.reduce(Int64(0)) { $0 + Int64(try copy.blob($1).count) }
            #expect(result.transfer.bytesUploaded == layerBytes + configBytes)

            // A second run changes nothing and uploads nothing.
            let again = try await Support.build(try Support.pauseSpec(tags: [target], bases: bases))
            #expect(again.index.digest == result.index.digest)
            #expect(again.transfer.blobsUploaded == 0)
            #expect(again.transfer.bytesUploaded == 0)
        }
    }

    @Test func basesFromLayoutsArePushedToo() async throws {
        try await withTestRegistry { registry in
            let target = "\(registry.host)/e2e/pause:layout-bases"
            let result = try await Support.build(try Support.pauseSpec(tags: [target], bases: Support.layoutBases))
            // Base layers came from the layouts, so they are uploaded once each.
            #expect(result.transfer.blobsUploaded == 3 + 3 + 5)
            let dir = try TempDir()
            defer { dir.remove() }
            try await Skopeo.copyAll(from: "docker://\(target)", to: "oci:\(dir.file("copy"))", preserveDigests: true)
            try await Support.checkLayoutIndependently(dir.file("copy"))
        }
    }

    @Test func foreignLayerIsNeverUploaded() async throws {
        try await withTestRegistry { registry in
            // Seed the old-style base with our client: its foreign blob does not exist anywhere.
            let layout = OCILayout(root: Fixtures.repoPath("testdata/bases/nanoserver-1809-foreign"))
            let top = try layout.resolve(tag: "1809-foreign")
            let manifestData = try layout.readBlob(top.digest, maxSize: 1 << 20)
            let manifest = try ImageManifest(data: manifestData)
            let client = RegistryClient(host: registry.host)
            let base = RegistryRepository(client: client, repository: "windows/nanoserver")
            try await base.putBlob(try manifest.config.digest, data: try layout.readBlob(try manifest.config.digest, maxSize: 1 << 20))
            for l in try manifest.layers where !l.isNonDistributable {
                try await base.putBlob(l.digest, size: l.size, fromFile: layout.blobPath(l.digest))
            }
            _ = try await base.putManifest(manifestData, mediaType: MediaType.dockerManifest, reference: "1809-foreign")

            var spec = try Support.pauseSpec(tags: ["\(registry.host)/e2e/foreign:1"])
            spec.platforms = ["windows/amd64:ltsc2019"]
            spec.bases = ["windows": "\(registry.host)/windows/nanoserver:1809-foreign"]
            let result = try await Support.build(spec)
            #expect(result.transfer.foreignLayersSkipped == 1)
            #expect(result.index.mediaType == MediaType.dockerManifestList)

            let pushed = try await ImageManifest(data: try Skopeo.inspectRaw("docker://\(registry.host)/e2e/foreign@\(result.platforms[0].manifest)"))
            #expect(pushed.layerValues.first?.serialized() == manifest.layerValues.first?.serialized())
            let foreign = try #require(try pushed.layers.first)
            #expect(foreign.isNonDistributable)
            let out = RegistryRepository(client: client, repository: "e2e/foreign")
            #expect(try await out.hasBlob(foreign.digest) == false)
            try await client.shutdown()
        }
    }

    @Test func failedBuildPushesNoTag() async throws {
        try await withTestRegistry { registry in
            let bases = try await Self.seedBases(registry)
            var spec = try Support.pauseSpec(tags: ["\(registry.host)/e2e/broken:1"], bases: bases)
            // ltsc2022 pointed at the 1809 base: caught while resolving, before any push.
            spec.bases["windows:ltsc2022"] = bases["windows:ltsc2019"]
            await #expect(throws: BuildError.self) { try await Support.build(spec) }
            let r = try await Skopeo.run(["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/e2e/broken:1"])
            #expect(r.status != 0)
        }
    }
}
