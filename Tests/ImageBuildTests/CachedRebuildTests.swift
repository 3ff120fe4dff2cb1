import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// Rebuilds with the layer cache against the real registry, counted at a proxy in front of it:
/// an unchanged rebuild sends no blob byte and no manifest; a changed file sends only its layer.
@Suite(.serialized) struct CachedRebuildTests {
    /// Events of one build, collected from concurrent tasks.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [BuildEvent] = []
        func add(_ e: BuildEvent) { lock.withLock { list.append(e) } }
        var all: [BuildEvent] { lock.withLock { list } }
    }

    /// The pause example's files copied to a scratch project, so a test can change one.
    static func project(_ dir: TempDir) async throws -> String {
        let root = dir.file("project")
        let r = try await TestSupport.run("/bin/cp", ["-R", Fixtures.repoPath("examples/pause"), root])
        try #require(r.status == 0, "\(r.stderrString)")
        try? FileManager.default.removeItem(atPath: root + "/out")
        return root
    }

    static func spec(project: String, target: String, bases: [String: String]) throws -> BuildSpec {
        var spec = try Support.pauseSpec(tags: [target], bases: bases)
        spec.baseDirectory = project
        return spec
    }

    static func build(_ spec: BuildSpec, cache: LayerCache?, events: Events = Events()) async throws -> BuildResult {
        try await Builder(plan: try BuildPlan(spec: spec, environment: [:]), registryOptions: RegistryOptions(),
                          layerCache: cache, events: { events.add($0) }).run()
    }

    /// Blob bytes the proxy saw going to upload endpoints (POST, PATCH, PUT bodies).
    static func blobBytes(_ proxy: FaultProxy) -> Int { proxy.bodyBytes(nil, "/blobs/uploads/") }

    @Test func unchangedRebuildSendsNothingAndChangedFileSendsOnlyItsLayer() async throws {
        try await withTestRegistry { registry in
            let seeded = try await RegistryBuildTests.seedBases(registry)
            try await withFaultProxy(in: registry) { proxy in
                let dir = try TempDir(prefix: "winimg-rebuild")
                defer { dir.remove() }
                let project = try await Self.project(dir)
                let bases = seeded.mapValues { $0.replacingOccurrences(of: registry.host, with: proxy.host) }
                let target = "\(proxy.host)/e2e/cached:1"
                let cache = try LayerCache(directory: dir.file("cache"))
                let spec = try Self.spec(project: project, target: target, bases: bases)

                // 1. First push: every new layer built (cache miss) and sent once; base layers never.
                let first = try await Self.build(spec, cache: cache)
                #expect(first.layers.map(\.cache) == ["miss", "miss", "miss"])
                #expect(first.layersBuilt == 3)
                let firstBytes = Self.blobBytes(proxy)
                #expect(firstBytes > 0 && Int64(firstBytes) == first.transfer.bytesUploaded)
                #expect(first.layers.allSatisfy { $0.bytesUploaded == $0.size }, "each new layer exactly once")
                #expect(first.transfer.blobsSkipped + first.transfer.blobsMounted == 3, "base layers already there")
                #expect(first.upToDate.isEmpty)

                // 2. Unchanged rebuild: layers from the cache, tag already right, nothing sent.
                let requestsBefore = proxy.requests.count
                let events = Events()
                let second = try await Self.build(spec, cache: cache, events: events)
                #expect(second.index.digest == first.index.digest)
                #expect(second.layers.map(\.cache) == ["hit", "hit", "hit"])
                #expect(second.layers.map(\.digest) == first.layers.map(\.digest))
                #expect(second.layersBuilt == 0)
                #expect(second.upToDate == [target])
                #expect(second.transfer.bytesUploaded == 0 && second.transfer.manifestsPushed == 0)
                #expect(Self.blobBytes(proxy) == firstBytes, "not one blob byte sent")
                let later = proxy.requests.dropFirst(requestsBefore)
                #expect(!later.contains { $0.method == "PUT" || $0.method == "POST" || $0.method == "PATCH" },
                        "\(later.map { "\($0.method) \($0.path)" })")
                #expect(events.all.contains(.upToDate(destination: target, index: try Digest(first.index.digest))))
                #expect(events.all.filter { if case .layerCached = $0 { return true } else { return false } }.count == 3)
                #expect(!events.all.contains { if case .layerBuilt = $0 { return true } else { return false } })
                let raw = try await Skopeo.inspectRaw("docker://\(target.replacingOccurrences(of: proxy.host, with: registry.host))")
                #expect(SHA256Digest.of(raw).description == first.index.digest, "tag unchanged")

                // 3. One file changed: only the linux/amd64 layer (and its config) is built and sent.
                try Data("a new pause binary\n".utf8).write(to: URL(fileURLWithPath: project + "/bin/linux/amd64/pause"))
                let beforeThird = Self.blobBytes(proxy)
                let third = try await Self.build(spec, cache: cache)
                #expect(third.layers.map(\.cache) == ["hit", "miss", "hit"])
                #expect(third.layersBuilt == 1)
                #expect(third.upToDate.isEmpty)
                let changed = third.layers[1]
                #expect(changed.digest != first.layers[1].digest)
                #expect(changed.bytesUploaded == changed.size)
                #expect(third.layers[0].bytesUploaded == 0 && third.layers[2].bytesUploaded == 0)
                #expect(third.transfer.blobsUploaded == 2, "the new layer and the new linux/amd64 config")
                #expect(Int64(Self.blobBytes(proxy) - beforeThird) == third.transfer.bytesUploaded)
                #expect(third.transfer.manifestsPushed == 2 && third.transfer.manifestsSkipped == 4,
                        "linux/amd64's manifest and the index; the other four are there already")
                let pushed = try await Skopeo.inspectRaw("docker://\(target.replacingOccurrences(of: proxy.host, with: registry.host))")
                #expect(SHA256Digest.of(pushed).description == third.index.digest)
            }
        }
    }

    /// A cached layer gives the very image a fresh build gives, and a layout rebuild is a no-op too.
    @Test func cachedBuildEqualsFreshBuild() async throws {
        let dir = try TempDir(prefix: "winimg-rebuild")
        defer { dir.remove() }
        let project = try await Self.project(dir)
        let cache = try LayerCache(directory: dir.file("cache"))
        let out = "oci:" + dir.file("out") + ":v1"
        let spec = try Self.spec(project: project, target: out, bases: Support.layoutBases)
        let fresh = try await Self.build(try Self.spec(project: project, target: "oci:" + dir.file("fresh") + ":v1", bases: Support.layoutBases),
                                         cache: nil)
        #expect(fresh.layers.map(\.cache) == ["off", "off", "off"])
        let first = try await Self.build(spec, cache: cache)
        let second = try await Self.build(spec, cache: cache)
        #expect(first.index.digest == fresh.index.digest && second.index.digest == fresh.index.digest)
        #expect(second.layers.map(\.cache) == ["hit", "hit", "hit"])
        #expect(second.upToDate == [out] && second.transfer.blobsUploaded == 0)
        try await Support.checkLayoutIndependently(dir.file("out"))
    }

    /// The CLI keeps the cache in $XDG_CACHE_HOME/winimg and says when a destination is up to date.
    @Test func cliRebuildIsUpToDate() async throws {
        try await withTestRegistry { registry in
            let bases = try await RegistryBuildTests.seedBases(registry)
            let dir = try TempDir(prefix: "winimg-rebuild")
            defer { dir.remove() }
            let project = try await Self.project(dir)
            let target = "\(registry.host)/e2e/cli-cached:1"
            let env = ["XDG_CACHE_HOME": dir.file("xdg")]
            var args = ["build", "-f", project + "/winimg.yaml", "-t", target, "--insecure-registry", registry.host]
            for (k, v) in bases { args += ["--base", "\(k)=\(v)"] }

            let first = try await CLITests.winimg(args + ["--format", "json"], environment: env)
            #expect(first.status == 0, "\(first.stderrString)")
            let firstJSON = try JSONValue(parsing: first.stdout)
            #expect(firstJSON["layers"]?.arrayValue?.compactMap { $0["cache"]?.stringValue } == ["miss", "miss", "miss"])
            let blobs = dir.file("xdg") + "/winimg/layers/blobs/sha256"
            #expect(try FileManager.default.contentsOfDirectory(atPath: blobs).count == 3)

            let second = try await CLITests.winimg(args + ["--progress", "plain"], environment: env)
            #expect(second.status == 0, "\(second.stderrString)")
            #expect(second.stderrString.contains("\(target): up to date"), "\(second.stderrString)")
            #expect(second.stderrString.contains("cached windows layer"), "\(second.stderrString)")
            #expect(second.stdoutString.contains("up to date, nothing sent"), "\(second.stdoutString)")
            #expect(second.stdoutString.contains("layers built: 0, from cache: 3"), "\(second.stdoutString)")

            let third = try await CLITests.winimg(args + ["--format", "json", "--no-cache"], environment: env)
            #expect(third.status == 0, "\(third.stderrString)")
            let thirdJSON = try JSONValue(parsing: third.stdout)
            #expect(thirdJSON["layers"]?.arrayValue?.compactMap { $0["cache"]?.stringValue } == ["off", "off", "off"])
            #expect(thirdJSON["index"]?["digest"]?.stringValue == firstJSON["index"]?["digest"]?.stringValue)
            #expect(thirdJSON["upToDate"]?.arrayValue?.compactMap(\.stringValue) == [target])
            #expect(thirdJSON["transfer"]?["bytesUploaded"]?.int64Value == 0)
        }
    }
}
