import Foundation
import ImageBuild
import ImageCheck
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport

/// `winimg lint` and the lint at the end of `winimg build`, against the real registry: images the
/// test builds (most of them deliberately broken) are pushed, read back by the binary, and the
/// pushed bytes are checked with skopeo.
@Suite struct LintCommandTests {
    static func winimg(_ args: [String]) async throws -> ProcessResult {
        try await TestSupport.run(EndToEndTests.winimg, args, timeout: 300)
    }

    /// Ids of a JSON report. The date-dependent WI021 (ltsc2022 left mainstream support on
    /// 2026-10-13) is dropped here; LintTests checks it with a fixed date.
    static func ids(_ report: JSONValue) -> [String] {
        (report["findings"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.filter { $0 != "WI021" }
    }

    static let pushed = [
        "Windows entry without os.version", "Linux PATH in a Windows config", "duplicate platforms",
        "Windows layer child before parent", "provenance-only index", "attestation without annotation",
        "index and config name different builds", "required release missing", "clean multi-release index",
        "annotated attestation",
    ]

    @Test(arguments: pushed)
    func brokenImagesOnRealRegistry(_ name: String) async throws {
        let c = try #require(LintCases.all.first { $0.name == name })
        let store = try await c.build()
        try await withTestRegistry { registry in
            let ref = "\(registry.host)/lint/image:v1"
            try await store.push(to: registry, repository: "lint/image", tag: "v1")
            var args = ["lint", ref, "--insecure-registry", registry.host]
            if !c.required.isEmpty { args += c.required.flatMap { ["--require", $0] } }
            if c.layers { args.append("--layers") }
            let r = try await Self.winimg(args + ["--format", "json"])
            let report = try JSONValue(parsing: r.stdout)
            #expect(Self.ids(report) == c.expected, "\(r.stdoutString)")
            let errors = c.expected.compactMap(LintRule.named).contains { $0.severity == .error }
            #expect(r.status == (errors ? 4 : 0), "\(r.stderrString)")
            // What lint read is what the registry serves.
            let raw = try await Skopeo.inspectRaw("docker://\(ref)")
            #expect(report["digest"]?.stringValue == SHA256Digest.of(raw).description)
            #expect(report["entries"]?.int64Value == Int64((try JSONValue(parsing: raw)["manifests"]?.arrayValue?.count) ?? 1))

            // The text form names the same rules, with fixes.
            let text = try await Self.winimg(args)
            #expect(text.status == r.status)
            for id in c.expected {
                let rule = try #require(LintRule.named(id))
                #expect(text.stdoutString.contains("\(rule.severity.rawValue) \(id) \(rule.name)"), "\(text.stdoutString)")
                #expect(text.stdoutString.contains("fix: \(rule.fix)"))
            }
        }
    }

    /// Warnings pass unless --strict; layers are only read with --layers.
    @Test func strictAndLayersFlags() async throws {
        let warning = try #require(LintCases.all.first { $0.expected == ["WI003"] })
        let badLayer = try #require(LintCases.all.first { $0.expected == ["WI025"] })
        let (w, b) = (try await warning.build(), try await badLayer.build())
        try await withTestRegistry { registry in
            try await w.push(to: registry, repository: "lint/warn", tag: "v1")
            try await b.push(to: registry, repository: "lint/layer", tag: "v1")
            let access = ["--insecure-registry", registry.host]
            let loose = try await Self.winimg(["lint", "\(registry.host)/lint/warn:v1"] + access)
            #expect(loose.status == 0, "\(loose.stdoutString)\(loose.stderrString)")
            #expect(loose.stdoutString.contains("warning WI003 os-version-revision-mismatch"))
            let strict = try await Self.winimg(["lint", "\(registry.host)/lint/warn:v1", "--strict"] + access)
            #expect(strict.status == 4)
            let shallow = try await Self.winimg(["lint", "\(registry.host)/lint/layer:v1"] + access)
            #expect(shallow.status == 0, "without --layers the bad layer is not read: \(shallow.stdoutString)")
            #expect(shallow.stdoutString.contains("layer contents not checked; add --layers"))
            let deep = try await Self.winimg(["lint", "\(registry.host)/lint/layer:v1", "--layers"] + access)
            #expect(deep.status == 4)
            #expect(deep.stdoutString.contains("comes before its parent directory 'Files/a'"), "\(deep.stdoutString)")
        }
    }

    /// A clean pause image from `winimg build` lints clean, even strictly and with its layers; a
    /// Linux PATH given to the Windows images is published but makes the build exit 4.
    @Test func buildLintsWhatItPublished() async throws {
        try await withTestRegistry { registry in
            let bases = try await Self.seedBases(registry)
            let access = ["--insecure-registry", registry.host]
            func build(_ tag: String, _ extra: [String]) async throws -> ProcessResult {
                var args = ["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"), "-t", tag, "--format", "json"] + access
                for (k, v) in bases { args += ["--base", "\(k)=\(v)"] }
                return try await Self.winimg(args + extra)
            }
            let clean = "\(registry.host)/lint/pause:clean"
            let good = try await build(clean, ["--require", "ltsc2019,ltsc2022,ltsc2025"])
            #expect(good.status == 0, "\(good.stderrString)")
            let json = try JSONValue(parsing: good.stdout)
            #expect(json["lint"]?["required"]?.arrayValue?.count == 3)
            #expect(Self.ids(json["lint"] ?? .null) == [], "\(good.stdoutString)")
            #expect(json["lint"]?["digest"]?.stringValue == json["index"]?["digest"]?.stringValue)
            let deep = try await Self.winimg(["lint", clean, "--layers", "--strict", "--require", "ltsc2019,ltsc2022,ltsc2025"] + access)
            #expect(deep.status == 0, "\(deep.stdoutString)\(deep.stderrString)")

            let broken = "\(registry.host)/lint/pause:linux-path"
            let bad = try await build(broken, ["--env-windows", "PATH=/usr/local/bin:/usr/bin:/bin"])
            #expect(bad.status == 4, "\(bad.stderrString)")
            #expect(bad.stderrString.contains("the image was published, but lint found 3 error(s)"), "\(bad.stderrString)")
            let badJSON = try JSONValue(parsing: bad.stdout)
            #expect(Self.ids(badJSON["lint"] ?? .null) == ["WI007", "WI007", "WI007"])
            await #expect(SHA256Digest.of(try Skopeo.inspectRaw("docker://\(broken)")).description == badJSON["index"]?["digest"]?.stringValue)

            let skipped = try await build("\(registry.host)/lint/pause:nolint", ["--env-windows", "PATH=/usr/bin", "--no-lint"])
            #expect(skipped.status == 0, "\(skipped.stderrString)")
            #expect(try JSONValue(parsing: skipped.stdout)["lint"] == nil)
        }
    }

    @Test func listRules() async throws {
        let text = try await Self.winimg(["lint", "--list-rules"])
        #expect(text.status == 0)
        #expect(LintRule.all.allSatisfy { text.stdoutString.contains("\($0.id)  \($0.severity.rawValue)") })
        let json = try await Self.winimg(["lint", "--list-rules", "--format", "json"])
        let rules = try #require(try JSONValue(parsing: json.stdout).arrayValue)
        #expect(rules.compactMap { $0["id"]?.stringValue } == LintRule.all.map(\.id))
    }

    /// The Windows bases of the pause example in the test registry.
    static func seedBases(_ registry: TestRegistry) async throws -> [String: String] {
        let seeds = [("nanoserver-1809", "windows/nanoserver:1809"), ("nanoserver-ltsc2022", "windows/nanoserver:ltsc2022"),
                     ("nanoserver-ltsc2025", "windows/nanoserver:ltsc2025")]
        for (layout, ref) in seeds {
            try await Skopeo.copyAll(from: "oci:" + Fixtures.repoPath("testdata/bases/\(layout)"),
                                     to: "docker://\(registry.host)/\(ref)", preserveDigests: true)
        }
        return ["windows:ltsc2019": "\(registry.host)/windows/nanoserver:1809",
                "windows:ltsc2022": "\(registry.host)/windows/nanoserver:ltsc2022",
                "windows:ltsc2025": "\(registry.host)/windows/nanoserver:ltsc2025"]
    }
}
