import Foundation
@testable import ImageBuild
import Testing
import TestSupport
import Yams

/// The published JSON Schema of winimg.yaml: same text as docs/, same keys as the parser, and it
/// accepts what the parser accepts and rejects what it rejects.
@Suite struct SpecSchemaTests {
    /// Validates YAML text against the schema with python's jsonschema (an independent validator).
    static func validate(yaml: String) async throws -> (valid: Bool, message: String) {
        let dir = try TempDir()
        defer { dir.remove() }
        let object = try #require(try Yams.load(yaml: yaml))
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: dir.file("doc.json")))
        try Data(BuildSpec.jsonSchema.utf8).write(to: URL(fileURLWithPath: dir.file("schema.json")))
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft7Validator.check_schema(schema)
        errors = list(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
        for e in errors: print("/".join(map(str, e.absolute_path)), e.message)
        sys.exit(1 if errors else 0)
        """
        let r = try await TestSupport.run("/usr/bin/env", ["python3", "-c", script, dir.file("schema.json"), dir.file("doc.json")])
        #expect(r.status == 0 || r.status == 1, "validator failed: \(r.stderrString)")
        return (r.status == 0, r.stdoutString)
    }

    @Test func docsCopyMatchesEmbeddedSchema() throws {
        let docs = try String(contentsOfFile: Fixtures.repoPath("docs/winimg.schema.json"), encoding: .utf8)
        #expect(docs == BuildSpec.jsonSchema + "\n", "regenerate with: winimg schema > docs/winimg.schema.json")
    }

    @Test func schemaKeysAreTheParsersKeys() throws {
        let schema = try #require(JSONSerialization.jsonObject(with: Data(BuildSpec.jsonSchema.utf8)) as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(BuildSpec.fileKeys))
        #expect(schema["additionalProperties"] as? Bool == false)
    }

    @Test func exampleSpecIsValid() async throws {
        let text = try String(contentsOfFile: Fixtures.repoPath("examples/pause/winimg.yaml"), encoding: .utf8)
        let r = try await Self.validate(yaml: text)
        #expect(r.valid, "\(r.message)")
    }

    /// Files winimg rejects (parsing or planning), which the schema must reject too, so editors flag them as you type.
    @Test(arguments: [
        "platform: [windows/amd64:ltsc2022]",                       // misspelt key
        "platforms: {windows: ltsc2022}",                           // mapping instead of list
        "bases: [oci:x]",                                           // list instead of mapping
        "add: bin/app.exe:/app.exe",                                // a string instead of a list
        "add: [{src: a}]",                                          // dst missing
        "add: [{src: a, dst: /a, mode: rwx}]",                      // mode not octal
        "add: [{src: a, dst: /a, owner: root}]",                    // unknown item key
        "labels: {a: [1, 2]}",                                      // non-string label
        "user: [a]",                                                // list instead of string
        "env: [PATH]",                                              // not KEY=VALUE
    ])
    func invalidSpecsAreRejected(yaml: String) async throws {
        let r = try await Self.validate(yaml: yaml)
        #expect(!r.valid, "schema accepted: \(yaml)")
    }

    @Test(arguments: [
        "platforms: windows/amd64:ltsc2022",
        "entrypoint: /app.exe\ncmd: [--flag]",
        "add: ['a:/a', {src: b, dst: /b, only: windows, mode: '0755'}]",
        "tags: oci:out/app:v1\ninsecure-registries: localhost:5000",
    ])
    func validSpecsAreAccepted(yaml: String) async throws {
        _ = try BuildSpec.parse(yaml: yaml)
        let r = try await Self.validate(yaml: yaml)
        #expect(r.valid, "\(yaml): \(r.message)")
    }
}
