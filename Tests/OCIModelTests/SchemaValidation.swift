import Foundation
import TestSupport

/// Runs `Tests/schema/validate_oci.py` on a document, so tests can check what we produce against the
/// OCI image-spec JSON schemas. Needs `python3` with `jsonschema` on PATH.
enum SchemaValidation {
    enum Kind: String, Sendable { case manifest, index, config, layout, descriptor }

    struct Result: Sendable {
        var status: Int32
        var messages: String
        var isValid: Bool { status == 0 }
    }

    /// The repository root, three levels above this file (`Tests/OCIModelTests/SchemaValidation.swift`).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let script = repositoryRoot.appendingPathComponent("Tests/schema/validate_oci.py")

    /// Validates `document` as `kind`. Status 0 is valid, 1 invalid; anything else means the harness
    /// itself failed (missing python3, jsonschema or schemas), which `messages` explains.
    static func validate(_ document: Data, as kind: Kind) async throws -> Result {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("winimg-schema-\(UUID().uuidString).json")
        try document.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        var arguments = ["python3", script.path]
        if let schemas = ProcessInfo.processInfo.environment["WINIMG_OCI_SCHEMAS"] {
            arguments += ["--schemas", schemas]
        }
        let r = try await TestSupport.run("/usr/bin/env", arguments + [kind.rawValue, file.path], timeout: 120)
        return Result(status: r.status, messages: r.stdoutString + r.stderrString)
    }
}
