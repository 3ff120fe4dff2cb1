import ArgumentParser
import Foundation
import ImageBuild

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented starter winimg.yaml (and its JSON Schema) for the current directory.",
        discussion: """
        Looks for Windows executables already built here (bin/windows/amd64/x.exe, _output/…, x.exe)
        and fills in platforms for ltsc2019, ltsc2022 and ltsc2025 (and Linux when Linux binaries sit
        beside them), nanoserver bases, the add entry, the entrypoint and an OCI-layout destination.
        Example:
          cd myproject && winimg init && winimg build -f winimg.yaml
        """)

    @Option(name: .customLong("dir"), help: "Project directory (default: the current directory).")
    var directory: String = "."

    @Flag(help: "Overwrite an existing winimg.yaml / winimg.schema.json.")
    var force = false

    func run() throws {
        let spec = (directory as NSString).appendingPathComponent("winimg.yaml")
        let schema = (directory as NSString).appendingPathComponent("winimg.schema.json")
        for path in [spec, schema] where FileManager.default.fileExists(atPath: path) && !force {
            throw ValidationError("\(path) already exists; edit it, or pass --force to replace it")
        }
        let starter = StarterSpec.scan(directory: directory)
        do {
            try Data(starter.yaml().utf8).write(to: URL(fileURLWithPath: spec), options: .atomic)
            try Data((BuildSpec.jsonSchema + "\n").utf8).write(to: URL(fileURLWithPath: schema), options: .atomic)
        } catch {
            throw ValidationError("cannot write in \(directory): \(error.localizedDescription)")
        }
        print("wrote \(spec) and \(schema)")
        print(starter.found ? "add: \(starter.source) → \(starter.destination)"
                            : "no .exe found here: edit the add entry to point at your binary")
        print("next: winimg build -f \(spec)")
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of winimg.yaml, for editor validation.",
        discussion: """
        Example (VS Code with the YAML extension picks it up through the first line of winimg.yaml):
          winimg schema > winimg.schema.json
        """)

    func run() throws { print(BuildSpec.jsonSchema) }
}
