import Foundation
import ImageBuild
import ImageCheck
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport

/// The pause example built for real, then checked with the `winimg` binary.
@Suite struct EndToEndTests {
    static let winimg: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = products.appendingPathComponent("winimg").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.repoPath(".build/debug/winimg")
    }()

    static func winimg(_ args: [String]) async throws -> ProcessResult { try await TestSupport.run(winimg, args) }

    /// Three Windows releases and two Linux architectures (examples/pause/winimg.yaml) pushed to `tag`.
    static func buildPause(tag: String) async throws -> BuildResult {
        var spec = try BuildSpec.load(file: Fixtures.repoPath("examples/pause/winimg.yaml"))
        spec.tags = [tag]
        return try await Builder(plan: try BuildPlan(spec: spec), registryOptions: RegistryOptions()).run()
    }

    @Test func pauseOnRealRegistry() async throws {
        try await withTestRegistry { registry in
            let ref = "\(registry.host)/e2e/pause:3.10"
            let built = try await Self.buildPause(tag: ref)
            let access = ["--insecure-registry", registry.host]

            // Every supported host runs it; each gets its newest compatible build.
            let good = try await Self.winimg(["compat", ref, "--host", "17763", "--host", "10.0.20348.2700", "--host", "ltsc2025",
                                        "--host", "25398", "--format", "json"] + access)
            #expect(good.status == 0, "\(good.stderrString)")
            let report = try JSONValue(parsing: good.stdout)
            #expect(report["digest"]?.stringValue == built.index.digest)
            #expect(report["allRun"]?.boolValue == true)
            let verdicts = try #require(report["verdicts"]?.arrayValue)
            #expect(verdicts.map { $0["outcome"]?.stringValue } == ["runs", "runs", "runs", "runs"])
            #expect(verdicts.map { $0["selection"]?["chosen"]?.int64Value } == [0, 1, 2, 1])

            // 1909 (18363) has no entry: exit 3, the others still reported as running.
            let mixed = try await Self.winimg(["compat", ref, "--host", "17763", "--host", "20348", "--host", "26100",
                                         "--host", "25398", "--host", "18363"] + access)
            #expect(mixed.status == 3, "\(mixed.stderrString)")
            let text = mixed.stdoutString
            #expect(text.contains("18363 (windows/amd64 10.0.18363, process isolation): DOES NOT RUN"), "\(text)")
            #expect(text.contains("build 17763 cannot run on host 18363 under process isolation"))
            #expect(text.contains("build 20348 is newer than host build 18363"))
            #expect(text.contains("4 of 5 host(s) run the image"))
            #expect(text.contains("26100 (windows/amd64 10.0.26100, process isolation): RUNS"))

            // Hyper-V isolation lets the old host run the 1809 entry.
            let hyperv = try await Self.winimg(["compat", ref, "--host", "18363", "--isolation", "hyperv"] + access)
            #expect(hyperv.status == 0, "\(hyperv.stdoutString)")

            // The Kubernetes nodes fixture: 2019/2022/2025 Windows nodes and two Linux nodes.
            let nodes = try await Self.winimg(["compat", ref, "--nodes", Fixtures.nodesFile, "--format", "json"] + access)
            #expect(nodes.status == 0, "\(nodes.stdoutString)\(nodes.stderrString)")
            let nodeVerdicts = try #require(try JSONValue(parsing: nodes.stdout)["verdicts"]?.arrayValue)
            #expect(nodeVerdicts.map { $0["selection"]?["chosen"]?.int64Value } == [0, 1, 2, 1, 3, 4])
            #expect(nodeVerdicts.map { $0["selection"]?["host"]?["name"]?.stringValue }.first == "akswin19000000")

            try await Self.checkInspect(ref: ref, built: built, access: access)
        }
    }

    /// `inspect` JSON and text agree with what the build reported and what the registry serves.
    static func checkInspect(ref: String, built: BuildResult, access: [String]) async throws {
        let json = try await winimg(["inspect", ref, "--format", "json"] + access)
        #expect(json.status == 0, "\(json.stderrString)")
        let doc = try JSONValue(parsing: json.stdout)
        #expect(doc["digest"]?.stringValue == built.index.digest)
        await #expect(SHA256Digest.of(try Skopeo.inspectRaw("docker://\(ref)")).description == built.index.digest)
        #expect(doc["isIndex"]?.boolValue == true)
        let images = try #require(doc["images"]?.arrayValue)
        #expect(images.count == built.platforms.count)
        for (image, platform) in zip(images, built.platforms) {
            #expect(image["manifestDigest"]?.stringValue == platform.manifest)
            #expect(image["configDigest"]?.stringValue == platform.config)
            #expect(image["entryPlatform"]?["os.version"]?.stringValue == platform.osVersion)
            #expect(image["configPlatform"]?["os.version"]?.stringValue == platform.osVersion)
            #expect(image["layerCount"]?.int64Value == Int64(platform.layers))
            #expect(image["problems"]?.arrayValue?.isEmpty == true, "\(image)")
        }
        #expect(images.compactMap { $0["entryPlatform"]?["os.version"]?.stringValue } == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314"])

        let text = try await winimg(["inspect", ref] + access)
        #expect(text.status == 0, "\(text.stderrString)")
        let out = text.stdoutString
        #expect(out.contains("index \(built.index.digest)"))
        for platform in built.platforms {
            #expect(out.contains("manifest \(platform.manifest)") && out.contains("config   \(platform.config)"))
        }
        #expect(out.contains("├─ #0 windows/amd64 os.version 10.0.17763.6414"))
        #expect(out.contains("└─ #4 linux/arm64"))
    }

    @Test func layoutAndErrors() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let ref = "oci:\(dir.file("out")):3.10"
        _ = try await Self.buildPause(tag: ref)

        let r = try await Self.winimg(["compat", ref, "--host", "18363", "--host", "linux/arm64"])
        #expect(r.status == 3)
        #expect(r.stdoutString.contains("1 of 2 host(s) run the image"))
        await #expect(try Self.winimg(["compat", ref, "--host", "ltsc2022"]).status == 0)
        await #expect(try Self.winimg(["inspect", ref]).stdoutString.contains("10.0.26100.2314"))

        let noHosts = try await Self.winimg(["compat", ref])
        #expect(noHosts.status == 1 && noHosts.stderrString.contains("no hosts to check"))
        let badHost = try await Self.winimg(["compat", ref, "--host", "ltsc2099"])
        #expect(badHost.status == 1 && badHost.stderrString.contains("invalid host 'ltsc2099'"))
        let missing = try await Self.winimg(["inspect", "oci:\(dir.file("out")):nope"])
        #expect(missing.status == 1 && missing.stderrString.contains("nope"))
        let help = try await Self.winimg(["compat", "--help"])
        #expect(help.stdoutString.contains("winimg compat registry.example.com/pause:3.10 --host"))
        #expect(help.stdoutString.contains("3 when at least one does not"))
    }
}
