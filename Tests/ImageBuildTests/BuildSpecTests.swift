import Foundation
import TestSupport
import Testing
@testable import ImageBuild

@Suite struct BuildSpecTests {
    @Test func examplePauseSpecParses() throws {
        let spec = try BuildSpec.load(file: Fixtures.repoPath("examples/pause/winimg.yaml"))
        #expect(spec.platforms == ["windows/amd64:ltsc2019", "windows/amd64:ltsc2022", "windows/amd64:ltsc2025", "linux/amd64", "linux/arm64"])
        #expect(spec.bases["linux"] == "scratch")
        #expect(spec.bases["windows:ltsc2022"] == "oci:../../testdata/bases/nanoserver-ltsc2022:ltsc2022")
        #expect(spec.files.count == 2)
        #expect(spec.files[1] == FileSpec(source: "bin/windows/amd64/wincat.exe", destination: "/Windows/System32/wincat.exe", only: "windows"))
        #expect(spec.entrypoint == ["/pause{exe}"])
        #expect(spec.envWindows == [#"PATH=C:\Windows\system32;C:\Windows;"#])
        #expect(spec.baseDirectory.hasSuffix("examples/pause"))
    }

    @Test(arguments: [
        ("platfroms: [linux/amd64]\n", 1, "did you mean 'platforms'"),
        ("tags: [a]\nbasis: {}\n", 2, "did you mean 'bases'"),
        ("platforms: {a: b}\n", 1, "'platforms' must be a list of strings"),
        ("add:\n  - nocolon\n", 2, "SRC:DST"),
        ("add:\n  - {src: a}\n", 2, "needs both 'src' and 'dst'"),
        ("add:\n  - {src: a, dst: /b, mode: rwx}\n", 2, "octal"),
        ("add:\n  - {src: a, dst: /b, owner: root}\n", 2, "unknown key 'owner'"),
        ("labels: [a, b]\n", 1, "'labels' must be a mapping"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("user: [a]\n", 1, "'user' must be a string"),
    ])
    func badSpecsNameLineAndFix(yaml: String, line: Int, fragment: String) throws {
        let error = try #require(throws: BuildError.self) { try BuildSpec.parse(yaml: yaml, file: "w.yaml") }
        guard case let .spec(file, gotLine, message) = error else { Issue.record("unexpected \(error)"); return }
        #expect(file == "w.yaml")
        #expect(gotLine == line)
        #expect(message.contains(fragment), "\(message)")
    }

    @Test func flagsOverrideFileListsAndMergeMaps() throws {
        var file = try BuildSpec.parse(yaml: """
            platforms: [linux/amd64, linux/arm64]
            bases: {linux: scratch, windows: oci:x}
            labels: {a: "1", b: "2"}
            tags: [oci:out]
            env: [A=1]
            """)
        file.baseDirectory = "/spec"
        var flags = BuildSpec()
        flags.platforms = ["linux/arm64"]
        flags.bases = ["windows": "oci:y"]
        flags.labels = ["b": "3"]
        let merged = file.overridden(by: flags, otherIsSet: [.platforms])
        #expect(merged.platforms == ["linux/arm64"])
        #expect(merged.bases == ["linux": "scratch", "windows": "oci:y"])
        #expect(merged.labels == ["a": "1", "b": "3"])
        // The file's relative paths are anchored at its folder; the flags' stay relative to the
        // working directory ("oci:y"), never joined to the file's folder.
        #expect(merged.tags == ["oci:/spec/out"])
        #expect(merged.env == ["A=1"])
        #expect(merged.baseDirectory == ".")
        flags.tags = ["oci:flagged"]
        #expect(file.overridden(by: flags, otherIsSet: [.tags]).tags == ["oci:flagged"])
        // An explicitly empty list given by flags still replaces the file's.
        flags.env = []
        #expect(file.overridden(by: flags, otherIsSet: [.env]).env == [])
    }

    @Test(arguments: [
        ("oci:out/pause:3.10", "oci:/w/out/pause:3.10"),
        ("oci:out/pause", "oci:/w/out/pause"),
        ("oci:/abs/dir:v1", "oci:/abs/dir:v1"),
        ("scratch", "scratch"),
        ("localhost:5000/e2e/pause:3.10", "localhost:5000/e2e/pause:3.10"),
    ])
    func locations(text: String, expected: String) throws {
        #expect(try ImageLocation(parsing: text, relativeTo: "/w").description == expected)
    }

    @Test(arguments: ["oci:", "oci::tag", "Registry.example.com/UPPER:tag", "host/repo:bad tag"])
    func badLocations(text: String) {
        let error = #expect(throws: BuildError.self) { try ImageLocation(parsing: text) }
        let message = error.map { "\($0)" } ?? ""
        // The text is quoted once, with one "invalid …" prefix, then the fix.
        #expect(message.components(separatedBy: "'\(text)'").count == 2, "\(message)")
        #expect(!message.contains("invalid image reference"), "\(message)")
        #expect(message.contains("oci:"), "\(message)")
        if !text.hasPrefix("oci:") { #expect(message.contains("scratch"), "a source may be scratch: \(message)") }
        // Where an image goes, scratch is no choice: the hint does not offer it.
        let asDestination = #expect(throws: BuildError.self) { try ImageLocation(parsing: text, destination: true) }
        let destinationMessage = asDestination.map { "\($0)" } ?? ""
        #expect(destinationMessage.contains("oci:") && !destinationMessage.contains("scratch"), "\(destinationMessage)")
    }
}

enum Fixtures {
    /// The repository root, found from this source file's location.
    static let root = RepositoryPaths.root

    static func repoPath(_ rel: String) -> String { RepositoryPaths.path(rel) }
}
