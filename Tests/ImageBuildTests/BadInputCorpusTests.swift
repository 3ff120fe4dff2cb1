import Foundation
import Testing
import TestSupport
import Yams

/// One case of `testdata/bad-inputs/cases.yaml` (the file's header explains the fields).
struct BadInputCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var setup: String?
    var preset: String?
    var args: [String]
    var exit: Int32
    var stderr: [String]
    var registry: Bool?
    var testDescription: String { id }
}

/// The bad-input corpus: every case through the real `winimg` binary, checking the exit status,
/// that the message names the problem and the fix, and that nothing was written or pushed.
@Suite struct BadInputCorpusTests {
    static let corpusFile = Fixtures.repoPath("testdata/bad-inputs/cases.yaml")

    static func load() throws -> [BadInputCase] {
        try YAMLDecoder().decode([BadInputCase].self, from: String(contentsOfFile: corpusFile, encoding: .utf8))
    }

    /// Empty when the file cannot be read; `corpusIsWellFormed` then fails and says why.
    static let cases: [BadInputCase] = (try? load()) ?? []

    @Test func corpusIsWellFormed() throws {
        let all = try Self.load()
        #expect(all.count >= 50, "the corpus must keep at least 50 cases")
        #expect(Set(all.map(\.id)).count == all.count, "ids are unique")
        for c in all {
            #expect(c.exit == 0 || !c.stderr.isEmpty, "\(c.id): a failing case must say what its message contains")
            #expect(c.preset == nil || c.preset == "pause", "\(c.id): unknown preset")
        }
    }

    @Test(arguments: cases.filter { $0.registry != true })
    func offline(_ c: BadInputCase) async throws {
        try await Self.check(c, registry: nil)
    }

    /// Cases needing a registry share one real registry; each must leave nothing under `out/`.
    @Test func againstTheRealRegistry() async throws {
        let registryCases = Self.cases.filter { $0.registry == true }
        #expect(!registryCases.isEmpty)
        try await withTestRegistry { registry in
            for c in registryCases {
                try await Self.check(c, registry: registry)
                let repositories = registry.directory + "/data/docker/registry/v2/repositories/out"
                #expect(!FileManager.default.fileExists(atPath: repositories), "\(c.id): something was pushed")
            }
        }
    }

    static func check(_ c: BadInputCase, registry: TestRegistry?) async throws {
        let dir = try TempDir(prefix: "winimg-bad")
        defer { dir.remove() }
        var env = ProcessInfo.processInfo.environment
        env["SOURCE_DATE_EPOCH"] = nil
        let variables = [
            "$REGISTRY": registry?.host ?? "127.0.0.1:1",
            "$MUTATE": Fixtures.repoPath("testdata/bad-inputs/mutate-layout.py"),
            "$BASES": Fixtures.repoPath("testdata/bases"),
            "$PAUSE": Fixtures.repoPath("examples/pause"),
            "$REPO": Fixtures.root,
        ]
        func expand(_ s: String) -> String {
            variables.reduce(s) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        }
        if let setup = c.setup {
            let r = try await TestSupport.run("/bin/sh", ["-c", "cd \"$0\" && " + expand(setup), dir.path], environment: env)
            try #require(r.status == 0, "\(c.id): setup failed: \(r.stderrString)")
        }
        let before = try Self.listing(dir.path)

        var args = c.args.map(expand)
        if c.preset == "pause" {
            if !args.contains("-t") && !args.contains("--tag") { args += ["-t", "oci:out:x"] }
            args = ["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml")] + args
        }
        let r = try await CLITests.winimg(args, in: dir.path)
        let stderr = r.stderrString

        #expect(r.status == c.exit, "\(c.id): exit \(r.status), stderr: \(stderr)")
        for text in c.stderr.map(expand) {
            #expect(stderr.contains(text), "\(c.id): stderr lacks \(text.debugDescription): \(stderr)")
        }
        if c.exit == 1 {
            #expect(stderr.contains("winimg: error:"), "\(c.id): \(stderr)")
        }
        if c.exit == 0 {
            #expect(FileManager.default.fileExists(atPath: dir.file("out/index.json")), "\(c.id): accepted, so written")
        } else {
            #expect(try Self.listing(dir.path) == before, "\(c.id): files were written")
        }
    }

    /// Every path under `root` (relative), to compare before and after.
    static func listing(_ root: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let p = walker.nextObject() as? String { out.append(p) }
        return out.sorted()
    }
}
