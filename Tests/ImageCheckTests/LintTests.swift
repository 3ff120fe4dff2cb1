import Foundation
import ImageCheck
import OCIModel
import Testing

/// One deliberately built image and the rule ids lint must report for it, in report order.
struct LintCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: [String]
    var required: [String] = []
    /// `yyyy-mm-dd` the support dates are compared with.
    var today = "2026-06-01"
    var layers = false
    var build: @Sendable () async throws -> ImageStore

    var testDescription: String { name }
}

typealias TestImage = ImageStore.Image

enum LintCases {
    static let w2019 = "10.0.17763.6414", w2022 = "10.0.20348.2762", w2025 = "10.0.26100.2314"

    static func win(_ version: String?) -> TestImage {
        var i = TestImage()
        i.platform = Platform(os: "windows", architecture: "amd64", osVersion: version)
        i.layers = [Data("windows layer \(version ?? "none")".utf8)]
        return i
    }

    static func linux(_ arch: String, variant: String? = nil) -> TestImage {
        var i = TestImage()
        i.platform = Platform(os: "linux", architecture: arch, variant: variant)
        i.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        i.entrypoint = ["/pause"]
        i.docker = false
        i.layers = [Data("linux layer \(arch)".utf8)]
        return i
    }

    /// An index of `images` after `edit` changes their index entries.
    static func index(_ images: [TestImage], mediaType: String = MediaType.ociIndex,
                      edit: @escaping @Sendable (inout [Descriptor]) -> Void = { _ in }) -> @Sendable () async throws -> ImageStore {
        { () async throws -> ImageStore in
            var s = ImageStore()
            var entries = images.map { s.image($0) }
            edit(&entries)
            s.index(entries, mediaType: mediaType)
            return s
        }
    }

    static func withLayer(_ members: [(String, Character, Bool)]?, raw: Data? = nil) -> @Sendable () async throws -> ImageStore {
        { () async throws -> ImageStore in
            var image = win(w2022)
            let bad: Data
            if let raw { bad = raw } else { bad = try await PythonLayer.make(members ?? []) }
            image.layers = [try await PythonLayer.good(), bad]
            var s = ImageStore()
            let windows = s.image(image), other = s.image(linux("amd64"))
            s.index([windows, other])
            return s
        }
    }

    static let hives: (String, Character, Bool) = ("Hives", "d", false)
    static let files: (String, Character, Bool) = ("Files", "d", false)

    static let all: [LintCase] = [
        LintCase(name: "clean multi-release index", expected: [], required: ["ltsc2019,ltsc2022", "2025"],
                 build: index([win(w2019), win(w2022), win(w2025), linux("amd64"), linux("arm64", variant: "v8")])),
        LintCase(name: "Windows entry without os.version", expected: ["WI001"],
                 build: index([win(w2019), win(w2022), linux("amd64")]) { $0[1].platform?.osVersion = nil }),
        LintCase(name: "index and config name different builds", expected: ["WI002"],
                 build: index([win(w2022)]) { $0[0].platform?.osVersion = w2019 }),
        LintCase(name: "index and config differ in revision", expected: ["WI003"],
                 build: index([win(w2022)]) { $0[0].platform?.osVersion = "10.0.20348.9999" }),
        LintCase(name: "os.features in the index only", expected: ["WI004"],
                 build: index([win(w2022)]) { $0[0].platform?.osFeatures = ["win32k"] }),
        LintCase(name: "index architecture differs from config", expected: ["WI005"],
                 build: index([win(w2022), linux("amd64")]) { $0[1].platform?.architecture = "arm64" }),
        LintCase(name: "Windows config without os.version", expected: ["WI006"],
                 build: index([win(nil)]) { $0[0].platform?.osVersion = w2022 }),
        LintCase(name: "Linux PATH in a Windows config", expected: ["WI007"],
                 build: index([{ var i = win(w2022); i.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]; return i }()])),
        LintCase(name: "Linux shell as the Windows command", expected: ["WI008"],
                 build: index([{ var i = win(w2022); i.entrypoint = nil; i.cmd = ["/bin/sh", "-c", "run"]; return i }()])),
        LintCase(name: "no Entrypoint and no Cmd", expected: ["WI009"],
                 build: index([{ var i = linux("amd64"); i.entrypoint = nil; return i }()])),
        LintCase(name: "diff_ids and layers differ in number", expected: ["WI010"],
                 build: index([{ var i = win(w2022); i.diffIDs = []; return i }()])),
        LintCase(name: "required release missing", expected: ["WI011"], required: ["ltsc2019,ltsc2025"],
                 build: index([win(w2019), win(w2022)])),
        LintCase(name: "duplicate platforms", expected: ["WI012"],
                 build: index([win(w2022), { var i = win(w2022); i.env = []; return i }()])),
        LintCase(name: "artifact listed with a real platform", expected: ["WI013"],
                 build: index([win(w2022), { var i = win(w2025); i.artifactType = "application/spdx+json"; return i }()])),
        LintCase(name: "attestation without annotation", expected: ["WI015", "WI014"], build: {
            var s = ImageStore()
            let image = s.image(win(w2022))
            let attestation = s.attestation(for: image, annotated: false)
            s.index([image, attestation])
            return s
        }),
        LintCase(name: "annotated attestation", expected: ["WI015"], build: {
            var s = ImageStore()
            let image = s.image(win(w2022))
            let attestation = s.attestation(for: image)
            s.index([image, attestation])
            return s
        }),
        LintCase(name: "nested index", expected: ["WI016"], build: {
            var s = ImageStore()
            let child = s.image(win(w2025))
            let inner = s.index([child])
            let image = s.image(win(w2022))
            s.index([image, inner])
            return s
        }),
        LintCase(name: "provenance-only index", expected: ["WI017"], build: {
            var s = ImageStore()
            let image = s.image(win(w2022))
            let attestation = s.attestation(for: image)
            s.index([attestation])
            return s
        }),
        LintCase(name: "Docker list with an OCI entry", expected: ["WI018"],
                 build: index([win(w2022), linux("amd64")], mediaType: MediaType.dockerManifestList)),
        LintCase(name: "unknown Windows build", expected: ["WI019"], build: index([win("10.0.19999.1")])),
        LintCase(name: "retired semi-annual release", expected: ["WI020"], build: index([win("10.0.18362.1256")])),
        LintCase(name: "LTSC past mainstream support", expected: ["WI021"], today: "2026-12-06", build: index([win(w2022)])),
        LintCase(name: "foreign layer", expected: ["WI022"],
                 build: index([{ var i = win(w2019); i.foreignURLs = ["https://mcr.microsoft.com/v2/windows/blobs/x"]; return i }()])),
        LintCase(name: "lone Windows manifest", expected: ["WI023"], build: {
            var s = ImageStore()
            s.top = s.image(win(w2022)).digest
            return s
        }),
        LintCase(name: "index entry without platform", expected: ["WI028"],
                 build: index([win(w2022), linux("amd64")]) { $0[1].platform = nil }),
        LintCase(name: "Windows layer without Files root", expected: ["WI024"], layers: true,
                 build: withLayer([hives, ("x", "d", false), files])),
        LintCase(name: "Windows layer child before parent", expected: ["WI025"], layers: true,
                 build: withLayer([hives, files, ("Files/a/b.exe", "f", true), ("Files/a", "d", true)])),
        LintCase(name: "Windows layer file without security descriptor", expected: ["WI026"], layers: true,
                 build: withLayer([hives, files, ("Files/x.exe", "f", false)])),
        LintCase(name: "layer that is not a tar", expected: ["WI027"], layers: true,
                 build: withLayer(nil, raw: Data("this is no tar archive at all".utf8))),
        LintCase(name: "good Windows layers", expected: [], layers: true, build: withLayer([hives, files, ("Files/ok", "d", true)])),
    ]
}

@Suite struct LintTests {
    static func day(_ s: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: s + "T12:00:00Z")!
    }

    static func lint(_ c: LintCase) async throws -> LintReport {
        let store = try await c.build()
        let options = LintOptions(required: try LintOptions.releases(c.required), now: day(c.today))
        return try await LintReport.lint(source: MemorySource(store: store), reference: "top", display: c.name,
                                         options: options, layers: c.layers)
    }

    @Test(arguments: LintCases.all)
    func findings(_ c: LintCase) async throws {
        let report = try await Self.lint(c)
        #expect(report.findings.map(\.id) == c.expected, "\(report.text())")
        for f in report.findings {
            let rule = try #require(LintRule.named(f.id))
            #expect(f.severity == rule.severity && f.name == rule.name && f.fix == rule.fix)
            #expect(!f.message.isEmpty)
        }
        let errors = c.expected.compactMap(LintRule.named).contains { $0.severity == .error }
        #expect(report.passes(strict: false) == !errors)
    }

    /// Every rule of the catalogue is triggered by at least one case above.
    @Test func everyRuleHasACase() {
        let covered = Set(LintCases.all.flatMap(\.expected))
        #expect(covered == Set(LintRule.all.map(\.id)), "uncovered: \(Set(LintRule.all.map(\.id)).subtracting(covered).sorted())")
    }

    @Test func catalogueIsWellFormed() {
        let ids = LintRule.all.map(\.id)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.range(of: #"^WI[0-9]{3}$"#, options: .regularExpression) != nil })
        #expect(Set(LintRule.all.map(\.name)).count == ids.count)
        #expect(LintRule.all.allSatisfy { !$0.title.isEmpty && !$0.fix.isEmpty })
        #expect(LintRule.named("missing-os-version")?.id == "WI001")
        #expect(LintRule.named("wi025")?.name == "windows-layer-order")
        let text = LintRule.catalogueText()
        #expect(LintRule.all.allSatisfy { text.contains($0.id) && text.contains($0.fix) })
    }

    /// docs/lint.md lists every rule with its id, name, severity and fix.
    @Test func documentationListsEveryRule() throws {
        let doc = try String(contentsOfFile: Fixtures.repoPath("docs/lint.md"), encoding: .utf8)
        for r in LintRule.all {
            let row = "| \(r.id) | `\(r.name)` | \(r.severity.rawValue) |"
            #expect(doc.contains(row), "docs/lint.md lacks \(row)")
            #expect(doc.contains(r.fix.replacingOccurrences(of: "|", with: "\\|")), "docs/lint.md lacks the fix of \(r.id)")
        }
    }

    @Test(arguments: [
        (["ltsc2019,ltsc2022,ltsc2025"], ["ltsc2019", "ltsc2022", "ltsc2025"]),
        (["1809", "2022,26100"], ["ltsc2019", "ltsc2022", "ltsc2025"]),
        (["10.0.20348.2762", "LTSC2022"], ["ltsc2022"]),
    ])
    func requireParsing(values: [String], names: [String]) throws {
        #expect(try LintOptions.releases(values).map(\.name) == names)
    }

    @Test(arguments: [(["ltsc2030"], "unknown Windows release 'ltsc2030'"), (["ltsc2019,,ltsc2022"], "empty release name")])
    func requireErrors(values: [String], message: String) {
        let error = #expect(throws: LintError.self) { try LintOptions.releases(values) }
        #expect(error.map { "\($0)".contains(message) && "\($0)".contains("ltsc20") } == true, "\(String(describing: error))")
    }

    @Test func textAndJSONCarryIdsSeveritiesAndFixes() async throws {
        let c = LintCases.all.first { $0.expected == ["WI001"] }!
        let report = try await Self.lint(c)
        let text = report.text()
        #expect(text.contains("error WI001 missing-os-version: #1 windows/amd64"), "\(text)")
        #expect(text.contains("fix: set the entry's os.version"))
        #expect(text.contains("1 error(s), 0 warning(s), 0 info (layer contents not checked; add --layers)"))
        let json = try JSONValue(parsing: Data(try checkJSONText(report).utf8))
        let finding = try #require(json["findings"]?.arrayValue?.first)
        #expect(finding["id"]?.stringValue == "WI001")
        #expect(finding["severity"]?.stringValue == "error")
        #expect(finding["entry"]?.int64Value == 1)
        #expect(finding["fix"]?.stringValue == LintRule.missingOSVersion.fix)
        #expect(try JSONDecoder().decode(LintReport.self, from: Data(try checkJSONText(report).utf8)) == report)
    }

    /// Warnings pass unless strict; info never fails.
    @Test func strictness() async throws {
        let warning = try await Self.lint(LintCases.all.first { $0.expected == ["WI003"] }!)
        #expect(warning.passes(strict: false) && !warning.passes(strict: true))
        let info = try await Self.lint(LintCases.all.first { $0.expected == ["WI021"] }!)
        #expect(info.passes(strict: true))
    }
}
