import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// `+zstd` platforms: OCI zstd layer descriptors, shared layers keyed by compression, refusals.
@Suite(.serialized) struct ZstdBuildTests {
    /// The pause example for Windows ltsc2022 plus two Linux targets, the amd64 one with zstd.
    static func mixedSpec(tags: [String]) throws -> BuildSpec {
        var spec = try Support.pauseSpec(tags: tags, bases: Support.layoutBases)
        spec.platforms = ["windows/amd64:ltsc2022", "linux/amd64+zstd", "linux/arm64"]
        return spec
    }

    /// Layer media types per index entry (`os/arch` → types), read from an OCI layout.
    static func layerTypes(_ dir: String, tag: String) throws -> [String: [String]] {
        let reader = LayoutReader(dir)
        var out: [String: [String]] = [:]
        for entry in try reader.index(tag: tag).1.manifests {
            let key = "\(entry.platform?.os ?? "?")/\(entry.platform?.architecture ?? "?")"
            out[key] = try reader.manifest(entry).layers.map(\.mediaType)
        }
        return out
    }

    @Test func zstdLayerOnlyWhereAskedAndPushedToARealRegistry() async throws {
        try await withTestRegistry { registry in
            let target = "\(registry.host)/e2e/pause:zstd"
            let result = try await Support.build(try Self.mixedSpec(tags: [target]))
            #expect(result.platforms.map(\.platform) == ["windows/amd64", "linux/amd64", "linux/arm64"])

            let dir = try TempDir()
            defer { dir.remove() }
            // skopeo copies every child and blob; the checker re-hashes each layer (zstd -d for
            // the zstd one) against its diff_id and validates every document against the schemas.
            try await Skopeo.copyAll(from: "docker://\(target)", to: "oci:\(dir.file("copy")):zstd", preserveDigests: true)
            try await Support.checkLayoutIndependently(dir.file("copy"))
            let types = try Self.layerTypes(dir.file("copy"), tag: "zstd")
            #expect(types["linux/amd64"] == [MediaType.ociLayerZstd])
            #expect(types["linux/arm64"] == [MediaType.ociLayerGzip])
            #expect(types["windows/amd64"]?.last == MediaType.dockerLayerGzip, "the Windows base is Docker-typed and stays gzip")

            // The zstd blob as the registry serves it is a zstd frame whose content is the tar.
            let amd64 = try #require(result.platforms.first { $0.platform == "linux/amd64" }?.newLayer)
            let blob = try LayoutReader(dir.file("copy")).blob(amd64)
            #expect(Array(blob.prefix(4)) == [0x28, 0xb5, 0x2f, 0xfd])
            let file = try dir.write("layer.tar.zst", blob)
            let listing = try await TestSupport.run("/bin/bash", ["-c", "zstd -d -c -q \"$1\" | tar -tvf -", "sh", file])
            #expect(listing.status == 0 && listing.stdoutString.contains("pause"), "\(listing.stdoutString) \(listing.stderrString)")
        }
    }

    @Test func layersAreSharedPerCompression() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("l")):1"])
        // One architecture-independent file, so the content is the same for every target.
        spec.files = [FileSpec(source: Fixtures.repoPath("examples/pause/bin/linux/amd64/pause"), destination: "/pause")]
        spec.platforms = ["linux/amd64+zstd", "linux/arm64", "linux/arm/v7+zstd", "linux/386"]
        let result = try await Support.build(spec)
        #expect(result.layersBuilt == 2, "one zstd and one gzip layer")
        let layers = result.platforms.map(\.newLayer)
        #expect(layers[0] == layers[2] && layers[1] == layers[3] && layers[0] != layers[1])
        let reader = LayoutReader(dir.file("l"))
        var diffIDs = Set<String>()
        for entry in try reader.index(tag: "1").1.manifests {
            diffIDs.formUnion(try reader.config(try reader.manifest(entry)).diffIDs.map(\.description))
        }
        #expect(diffIDs.count == 1, "same tar under both compressions")
        try await Support.checkLayoutIndependently(dir.file("l"))
    }

    @Test func aPlatformWithAndWithoutZstdIsOnePlatformTwice() throws {
        var spec = try Support.pauseSpec(tags: ["oci:/tmp/never"])
        spec.platforms = ["linux/amd64", "linux/amd64+zstd"]
        let error = #expect(throws: BuildError.self) { try BuildPlan(spec: spec) }
        #expect(error == .duplicatePlatform("linux/amd64"))
    }

    @Test func windowsZstdIsRefusedWhilePlanning() throws {
        var spec = try Support.pauseSpec(tags: ["oci:/tmp/never"])
        spec.platforms = ["windows/amd64:ltsc2022+zstd"]
        let error = #expect(throws: OCIModelError.self) { try BuildPlan(spec: spec) }
        #expect("\(String(describing: error))".contains("Windows layers must stay gzip"))
    }

    @Test func zstdOnADockerTypedBaseIsRefusedBeforeAnythingIsWritten() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // The busybox-like base converted to Docker schema 2 media types by skopeo.
        let docker = dir.file("docker-base")
        let r = try await Skopeo.run(["copy", "--all", "--quiet", "--format", "v2s2",
                                      Support.layoutBase("linux-busybox-like", tag: "latest"), "oci:\(docker):latest"])
        #expect(r.status == 0, "\(r.stderrString)")
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("out"))"])
        spec.platforms = ["linux/amd64+zstd"]
        spec.bases = ["linux": "oci:\(docker):latest"]
        let error = await #expect(throws: BuildError.self) { try await Support.build(spec) }
        let text = error?.description ?? ""
        #expect(text.contains("zstd layers need OCI media types") && text.contains("drop '+zstd'"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))

        // Without +zstd the same base builds (gzip, Docker media types).
        spec.platforms = ["linux/amd64"]
        _ = try await Support.build(spec)
        #expect(try Self.layerTypes(dir.file("out"), tag: "latest")["linux/amd64"]?.last == MediaType.dockerLayerGzip)
    }
}

/// Multi-member gzip layers (the libdeflate encoder) through Go's decompressor, as containerd uses.
@Suite struct MultiMemberLayerBuildTests {
    @Test func skopeoRecompressesAMultiMemberLayerToTheSameTar() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // 6 MiB of varied bytes: six gzip members.
        var bytes = [UInt8](repeating: 0, count: 6 << 20)
        var state: UInt64 = 0x9e3779b97f4a7c15
        for i in bytes.indices {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state) & 0x3f
        }
        let source = try dir.write("payload.bin", Data(bytes))
        var spec = try Support.pauseSpec(tags: ["oci:\(dir.file("l")):1"])
        spec.files = [FileSpec(source: source, destination: "/payload.bin")]
        spec.platforms = ["linux/amd64"]
        _ = try await Support.build(spec)
        // skopeo (Go's compress/gzip) decompresses our layer and writes it again as zstd; the
        // checker then compares the zstd content's digest with the config's diff_id.
        let r = try await Skopeo.run(["copy", "--quiet", "--dest-compress-format", "zstd",
                                      "oci:\(dir.file("l")):1", "oci:\(dir.file("z")):1"], timeout: 300)
        #expect(r.status == 0, "\(r.stderrString)")
        let reader = LayoutReader(dir.file("z"))
        let manifest = try ImageManifest(data: try reader.blob(try reader.layout.resolve(tag: "1").digest))
        #expect(try manifest.layers.map(\.mediaType) == [MediaType.ociLayerZstd])
        try await Support.checkLayoutIndependently(dir.file("z"))
        try await Support.checkLayoutIndependently(dir.file("l"))
    }
}
