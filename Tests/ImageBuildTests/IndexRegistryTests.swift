import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// `winimg index create` / `append` against Debian's docker-registry on 127.0.0.1, checked with skopeo,
/// the registry's own storage and the OCI schemas.
@Suite(.serialized) struct IndexRegistryTests {
    /// One release per repository, as a per-release CI job pushes them: the nanoserver-like bases.
    static func seedReleases(_ registry: TestRegistry) async throws -> [String: String] {
        var refs: [String: String] = [:]
        for (layout, release) in [("nanoserver-1809", "ltsc2019"), ("nanoserver-ltsc2022", "ltsc2022"), ("nanoserver-ltsc2025", "ltsc2025")] {
            let ref = "\(registry.host)/release-\(release)/app:1.0"
            try await Skopeo.copyAll(from: "oci:" + Fixtures.repoPath("testdata/bases/\(layout)"), to: "docker://\(ref)", preserveDigests: true)
            refs[release] = ref
        }
        return refs
    }

    static func assemble(_ mode: IndexRequest.Mode, target: String, _ images: [String], replace: Bool = false,
                         indexType: MediaType.Family? = nil, filters: [String] = [], dryRun: Bool = false) async throws -> IndexResult {
        let request = IndexRequest(mode: mode, target: try ImageLocation(parsing: target),
                                   images: try images.map { ($0, try ImageLocation(parsing: $0)) },
                                   filters: try filters.map { try PlatformSelector(parsing: $0) },
                                   indexType: indexType, replace: replace, dryRun: dryRun)
        return try await IndexAssembler(registryOptions: RegistryOptions()).run(request)
    }

    /// A client for checks, shut down however the body ends.
    static func withClient<T>(_ registry: TestRegistry, _ body: (RegistryClient) async throws -> T) async throws -> T {
        let client = RegistryClient(host: registry.host)
        do {
            let r = try await body(client)
            try await client.shutdown()
            return r
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The repository's own link to a blob, which a mount (or upload) creates.
    static func linked(_ registry: TestRegistry, _ repository: String, _ digest: Digest) -> Bool {
        FileManager.default.fileExists(atPath: registry.storageRoot + "/docker/registry/v2/repositories/\(repository)/_layers/sha256/\(digest.encoded)/link")
    }

    /// skopeo copies every child and blob of `ref` to another repository keeping the digests, then
    /// to an OCI layout that an independent checker verifies (schemas, digests, Windows layers).
    static func copyAndCheck(_ registry: TestRegistry, _ ref: String, expected: String, name: String) async throws {
        let copy = "docker://\(registry.host)/skopeo-copy/\(name):1"
        try await Skopeo.copyAll(from: "docker://\(ref)", to: copy, preserveDigests: true)
        #expect(SHA256Digest.of(try await Skopeo.inspectRaw(copy)).description == expected)
        let dir = try TempDir()
        defer { dir.remove() }
        try await Skopeo.copyAll(from: copy, to: "oci:\(dir.file("copy"))")
        try await Support.checkLayoutIndependently(dir.file("copy"))
    }

    static func validateIndex(_ data: Data) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("index.json", data)
        let r = try await TestSupport.run("/usr/bin/env", ["python3", Fixtures.repoPath("Tests/schema/validate_oci.py"),
                                                       "--schemas", Support.schemasDirectory, "index", file])
        #expect(r.status == 0, "index fails the OCI schema: \(r.stdoutString)\(r.stderrString)")
    }

    @Test func createMountsAppendAddsDuplicateRefused() async throws {
        try await withTestRegistry { registry in try await Self.withClient(registry) { client in
            let refs = try await Self.seedReleases(registry)
            let target = "\(registry.host)/app/multi:1.0"

            // create: two releases from two other repositories.
            let created = try await Self.assemble(.create, target: target, [refs["ltsc2019"]!, refs["ltsc2022"]!])
            let transfer = try #require(created.transfer)
            #expect(transfer.blobsMounted == 4, "config and layer of each image are mounted: \(transfer)")
            #expect(transfer.blobsUploaded == 0 && transfer.bytesUploaded == 0)
            #expect(transfer.manifestsPushed == 3)

            let raw = try await Skopeo.inspectRaw("docker://\(target)")
            #expect(SHA256Digest.of(raw).description == created.index.digest)
            try await Self.validateIndex(raw)
            let index = try ImageIndex(data: raw)
            #expect(index.mediaType == MediaType.dockerManifestList, "Docker children keep a Docker list")
            let entries = try index.manifests
            #expect(entries.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.20348.2762"])
            // The registry's storage shows the blobs linked into the target repository without an upload.
            for e in entries {
                let m = try ImageManifest(data: try await Skopeo.inspectRaw("docker://\(registry.host)/app/multi@\(e.digest)"))
                for d in [try m.config] + (try m.layers) { #expect(Self.linked(registry, "app/multi", d.digest)) }
                let config = try ImageConfig(data: try await client.blobData(repository: "app/multi", digest: try m.config.digest, maxSize: 1 << 20))
                #expect(e.platform?.osVersion == config.osVersion)
            }
            // skopeo copies the whole index (every child, every blob); the copy checks out independently.
            try await Self.copyAndCheck(registry, target, expected: created.index.digest, name: "created")

            // append: the third release.
            let appended = try await Self.assemble(.append, target: target, [refs["ltsc2025"]!])
            #expect(appended.transfer?.blobsMounted == 2)
            #expect(appended.entries.map(\.osVersion) == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314"])
            let rawAppended = try await Skopeo.inspectRaw("docker://\(target)")
            #expect(SHA256Digest.of(rawAppended).description == appended.index.digest)
            // The entries that were there are kept byte for byte.
            let oldEntries = try ImageIndex(data: raw).json["manifests"]!.arrayValue!.map { $0.serialized() }
            let newEntries = try ImageIndex(data: rawAppended).json["manifests"]!.arrayValue!.map { $0.serialized() }
            #expect(Array(newEntries.prefix(2)) == oldEntries)

            // A different ltsc2022 image: refused, and nothing of it reaches the target.
            var spec = try Support.pauseSpec(tags: ["\(registry.host)/rebuilt/pause:1"],
                                             bases: ["windows:ltsc2022": refs["ltsc2022"]!])
            spec.platforms = ["windows/amd64:ltsc2022"]
            let rebuilt = try await Support.build(spec)
            let rebuiltRef = "\(registry.host)/rebuilt/pause:1"
            await #expect(throws: IndexError.self) {
                _ = try await Self.assemble(.append, target: target, [rebuiltRef])
            }
            do {
                _ = try await Self.assemble(.append, target: target, [rebuiltRef])
            } catch {
                #expect("\(error)".contains(rebuiltRef) && "\(error)".contains("--replace"), "\(error)")
            }
            #expect(SHA256Digest.of(try await Skopeo.inspectRaw("docker://\(target)")).description == appended.index.digest)
            let newLayer = try Digest(try #require(rebuilt.platforms.first?.newLayer))
            #expect(!Self.linked(registry, "app/multi", newLayer), "nothing pushed on a refused append")
            let rebuiltManifest = try Digest(rebuilt.platforms[0].manifest)
            #expect(try await client.manifestExists(repository: "app/multi", reference: rebuiltManifest.description) == nil)

            // --replace swaps the ltsc2022 entry in place; only the new layer and config are copied.
            let replaced = try await Self.assemble(.append, target: target, [rebuiltRef], replace: true)
            #expect(replaced.entries.map(\.manifest)[1] == rebuiltManifest.description)
            #expect(replaced.replaced.count == 1)
            #expect(Self.linked(registry, "app/multi", newLayer))
            #expect(try await client.manifestExists(repository: "app/multi", reference: rebuiltManifest.description) != nil)
            try await Self.copyAndCheck(registry, target, expected: replaced.index.digest, name: "replaced")
        } }
    }

    @Test func layoutsAndOtherRegistriesAreCopiedThrough() async throws {
        try await withTestRegistry { registry in try await Self.withClient(registry) { client in
            let target = "\(registry.host)/app/mixed:1"
            // A Docker Windows image and an OCI multi-arch Linux index: mixed, so refused without --index-type.
            let images = [Support.layoutBase("nanoserver-ltsc2022", tag: "ltsc2022"), Support.layoutBase("linux-busybox-like", tag: "latest")]
            await #expect(throws: IndexError.self) { _ = try await Self.assemble(.create, target: target, images) }
            #expect(try await client.manifestExists(repository: "app/mixed", reference: "1") == nil)

            let result = try await Self.assemble(.create, target: target, images, indexType: .oci)
            #expect(result.index.mediaType == MediaType.ociIndex)
            #expect(result.entries.map(\.platform) == ["windows/amd64", "linux/amd64", "linux/arm64/v8"])
            #expect(result.entries.map(\.mediaType) == [MediaType.dockerManifest, MediaType.ociManifest, MediaType.ociManifest])
            let t = try #require(result.transfer)
            #expect(t.blobsMounted == 0 && t.blobsUploaded > 0, "layouts are uploaded, not mounted")
            let raw = try await Skopeo.inspectRaw("docker://\(target)")
            try await Self.validateIndex(raw)
            try await Self.copyAndCheck(registry, target, expected: result.index.digest, name: "mixed")

            // From the registry back into a layout, keeping only linux: an OCI index of two entries.
            let dir = try TempDir()
            defer { dir.remove() }
            let out = "oci:\(dir.file("out")):linux"
            let back = try await Self.assemble(.create, target: out, [target], filters: ["linux"])
            #expect(back.entries.count == 2)
            try await Support.checkLayoutIndependently(dir.file("out"))
            let reader = LayoutReader(dir.file("out"))
            let (_, idx) = try reader.index(tag: "linux")
            #expect(try idx.manifests.map(\.digest.description) == Array(result.entries.map(\.manifest).suffix(2)))

            // A second registry as the source: not the same registry, so copied, not mounted.
            try await withTestRegistry { other in
                let copied = try await Self.assemble(.create, target: "\(other.host)/copy/app:1", [target], filters: ["windows"])
                #expect(copied.transfer?.blobsMounted == 0)
                #expect(copied.transfer?.blobsUploaded == 2)
                #expect(copied.index.mediaType == MediaType.dockerManifestList, "only Docker children left")
                try await Self.copyAndCheck(other, "\(other.host)/copy/app:1", expected: copied.index.digest, name: "other")
            }
        } }
    }

    /// The command line: JSON output, a dry run that pushes nothing, duplicate refused with exit 1.
    @Test func commandLine() async throws {
        try await withTestRegistry { registry in try await Self.withClient(registry) { client in
            let refs = try await Self.seedReleases(registry)
            let target = "\(registry.host)/cli/app:1"
            let dry = try await CLITests.winimg(["index", "create", "-t", target, refs["ltsc2019"]!, refs["ltsc2025"]!, "--dry-run",
                                                 "--insecure-registry", registry.host, "--annotation", "org.opencontainers.image.version=1.0"])
            #expect(dry.status == 0, "\(dry.stderrString)")
            let document = try ImageIndex(data: dry.stdout)
            #expect(try document.manifests.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.26100.2314"])
            #expect(document.json["annotations"]?["org.opencontainers.image.version"]?.stringValue == "1.0")
            #expect(try await client.manifestExists(repository: "cli/app", reference: "1") == nil, "a dry run writes nothing")

            let r = try await CLITests.winimg(["index", "create", "-t", target, refs["ltsc2019"]!, refs["ltsc2025"]!, "--format", "json",
                                               "--insecure-registry", registry.host, "--annotation", "org.opencontainers.image.version=1.0"])
            #expect(r.status == 0, "\(r.stderrString)")
            let result = try JSONDecoder().decode(IndexResult.self, from: r.stdout)
            #expect(result.index.digest == SHA256Digest.of(dry.stdout).description, "the dry run showed exactly what was pushed")
            #expect(result.entries.map(\.osVersion) == ["10.0.17763.6414", "10.0.26100.2314"])

            let dup = try await CLITests.winimg(["index", "append", "-t", target, refs["ltsc2022"]!, refs["ltsc2022"]!.replacingOccurrences(of: ":1.0", with: "@sha256:7a6d545bcea0e53b92b750b590ff0d24d0992ad8ca625814864b490c8545ff43"),
                                                 "--insecure-registry", registry.host])
            #expect(dup.status == 1)
            #expect(dup.stderrString.contains("appears twice"), "\(dup.stderrString)")
            let text = try await CLITests.winimg(["index", "append", "-t", target, refs["ltsc2022"]!, "--insecure-registry", registry.host])
            #expect(text.status == 0, "\(text.stderrString)")
            #expect(text.stdoutString.contains("10.0.20348.2762"))
            #expect(SHA256Digest.of(try await Skopeo.inspectRaw("docker://\(target)")).description != result.index.digest)
        } }
    }
}
