import Foundation
import Testing
import TestSupport

/// What a newcomer sees first: every subcommand's help carries an example, and the shell completion
/// scripts generate and parse.
@Suite struct HelpTests {
    /// The subcommands `winimg --help` lists, so a new subcommand is checked without editing this file.
    static func subcommands() async throws -> [String] {
        let help = try await CLITests.winimg(["--help"]).stdoutString
        let after = try #require(help.components(separatedBy: "SUBCOMMANDS:\n").last)
        // The list ends at the first blank line (a "See 'winimg help'" hint follows).
        let section = after.components(separatedBy: "\n\n").first ?? ""
        return section.split(separator: "\n").compactMap { line in
            // Entries start at column 2; their wrapped descriptions are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            let name = String(word)
            return name.allSatisfy({ $0.isLetter || $0 == "-" }) ? name : nil
        }.filter { $0 != "help" }
    }

    @Test func everySubcommandShowsAnExample() async throws {
        let names = try await Self.subcommands()
        #expect(names.contains("build") && names.contains("compat"), "parsed: \(names)")
        for name in names {
            let r = try await CLITests.winimg([name, "--help"])
            #expect(r.status == 0, "\(name) --help: \(r.stderrString)")
            #expect(r.stdoutString.contains("Example"), "`winimg \(name) --help` has no example")
            #expect(r.stdoutString.contains("winimg \(name)"), "the example of \(name) does not run \(name)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScript(shell: String) async throws {
        let r = try await CLITests.winimg(["--generate-completion-script", shell])
        #expect(r.status == 0, "\(r.stderrString)")
        let script = r.stdoutString
        for name in try await Self.subcommands() {
            #expect(script.contains(name), "\(shell) completion lacks \(name)")
        }
        guard shell == "bash" else { return }
        // The generated script must at least parse in the shell it is for.
        let dir = try TempDir()
        defer { dir.remove() }
        let file = dir.file("winimg.bash")
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try await TestSupport.run("/bin/bash", ["-n", file])
        #expect(check.status == 0, "\(check.stderrString)")
    }
}
