import Foundation
import ImageBuild
import OCIModel
import Testing
import TestSupport

/// `winimg init`: the starter file finds the project's binaries, parses, validates against the schema
/// and builds once its bases point somewhere reachable.
@Suite struct StarterSpecTests {
    static func project(_ files: [String]) throws -> TempDir {
        let dir = try TempDir()
        for f in files {
            let path = dir.file(f)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("binary \(f)".utf8).write(to: URL(fileURLWithPath: path))
        }
        return dir
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var files: [String]
        var source: String
        var destination: String
        var linux: [String]
        var found: Bool
        var testDescription: String { files.first ?? "empty" }
    }

    @Test(arguments: [
        Case(files: ["bin/windows/amd64/agent.exe", "bin/linux/amd64/agent", "bin/linux/arm64/agent"],
             source: "bin/{os}/{arch}/agent{exe}", destination: "/agent{exe}", linux: ["amd64", "arm64"], found: true),
        Case(files: ["_output/bin/windows/amd64/pause.exe"],
             source: "_output/bin/{os}/{arch}/pause{exe}", destination: "/pause{exe}", linux: [], found: true),
        Case(files: ["README.md", "dist/tool.exe", ".git/hooks/x.exe"],
             source: "dist/tool.exe", destination: "/tool.exe", linux: [], found: true),
        Case(files: ["main.go"], source: "bin/{os}/{arch}/APP{exe}", destination: "/APP{exe}", linux: ["amd64", "arm64"], found: false),
    ])
    func scanFindsTheBuild(c: Case) async throws {
        let dir = try Self.project(c.files)
        defer { dir.remove() }
        let starter = StarterSpec.scan(directory: dir.path)
        let name = StarterSpec.scan(directory: dir.path).name
        #expect(starter.source == c.source.replacingOccurrences(of: "APP", with: name))
        #expect(starter.destination == c.destination.replacingOccurrences(of: "APP", with: name))
        #expect(starter.linuxArchitectures == c.linux)
        #expect(starter.found == c.found)

        let spec = try BuildSpec.parse(yaml: starter.yaml())
        #expect(spec.platforms.count == 3 + c.linux.count)
        #expect(spec.files.map(\.source) == [starter.source])
        #expect(spec.entrypoint == [starter.destination])
        let validation = try await SpecSchemaTests.validate(yaml: starter.yaml())
        #expect(validation.valid, "\(validation.message)")
    }

    @Test(arguments: [("My Project", "my-project"), ("pause", "pause"), ("__", "app"), ("Ünï", "n")])
    func namesBecomeRepositoryNames(raw: String, expected: String) {
        let dir = "/tmp/" + raw
        #expect(StarterSpec.scan(directory: dir).name == expected)
    }

    /// The starter builds as written once the bases are reachable (here: the testdata layouts).
    @Test func starterBuildsToALayout() async throws {
        let dir = try Self.project(["bin/windows/amd64/agent.exe", "bin/linux/amd64/agent", "bin/linux/arm64/agent"])
        defer { dir.remove() }
        let file = dir.file("winimg.yaml")
        try Data(StarterSpec.scan(directory: dir.path).yaml().utf8).write(to: URL(fileURLWithPath: file))
        var spec = try BuildSpec.load(file: file)
        spec.bases = Support.layoutBases
        let result = try await Support.build(spec)
        #expect(result.platforms.count == 5)
        #expect(result.platforms.compactMap(\.osVersion).count == 3)
        #expect(FileManager.default.fileExists(atPath: dir.file("out/\(StarterSpec.scan(directory: dir.path).name)/index.json")))
    }

    @Test func initRefusesToOverwrite() async throws {
        let dir = try Self.project(["bin/windows/amd64/agent.exe"])
        defer { dir.remove() }
        let first = try await CLITests.winimg(["init"], in: dir.path)
        #expect(first.status == 0, "\(first.stderrString)")
        let written = try String(contentsOfFile: dir.file("winimg.yaml"), encoding: .utf8)
        #expect(written.contains("bin/{os}/{arch}/agent{exe}:/agent{exe}"))
        // Run in the directory itself ("."), the image is still named after the directory.
        let name = StarterSpec.scan(directory: dir.path).name
        #expect(name != "app" && written.contains("oci:out/\(name):latest"))
        #expect(try String(contentsOfFile: dir.file("winimg.schema.json"), encoding: .utf8) == BuildSpec.jsonSchema + "\n")

        try Data("platforms: [linux/amd64]\n".utf8).write(to: URL(fileURLWithPath: dir.file("winimg.yaml")))
        let second = try await CLITests.winimg(["init"], in: dir.path)
        #expect(second.status != 0)
        #expect(second.stderrString.contains("already exists") && second.stderrString.contains("--force"))
        #expect(try String(contentsOfFile: dir.file("winimg.yaml"), encoding: .utf8) == "platforms: [linux/amd64]\n")

        let forced = try await CLITests.winimg(["init", "--force"], in: dir.path)
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: dir.file("winimg.yaml"), encoding: .utf8) == written)
    }
}
