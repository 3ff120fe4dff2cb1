import Foundation
import ImageBuild
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport

/// Shared helpers: the example spec retargeted, document access, independent verifiers.
enum Support {
    /// The pause example spec with its destinations replaced.
    static func pauseSpec(tags: [String], bases: [String: String]? = nil) throws -> BuildSpec {
        var spec = try BuildSpec.load(file: Fixtures.repoPath("examples/pause/winimg.yaml"))
        spec.tags = tags
        if let bases { spec.bases = bases }
        return spec
    }

    static func build(_ spec: BuildSpec, environment: [String: String] = [:]) async throws -> BuildResult {
        let plan = try BuildPlan(spec: spec, environment: environment)
        return try await Builder(plan: plan, registryOptions: RegistryOptions()).run()
    }

    static func layoutBase(_ name: String, tag: String? = nil) -> String {
        "oci:" + Fixtures.repoPath("testdata/bases/\(name)") + (tag.map { ":\($0)" } ?? "")
    }

    /// Bases of the pause example as OCI layouts (absolute, so any working directory works).
    static let layoutBases: [String: String] = [
        "windows:ltsc2019": layoutBase("nanoserver-1809", tag: "1809"),
        "windows:ltsc2022": layoutBase("nanoserver-ltsc2022", tag: "ltsc2022"),
        "windows:ltsc2025": layoutBase("nanoserver-ltsc2025", tag: "ltsc2025"),
        "linux": "scratch",
    ]

    static var schemasDirectory: String {
        ProcessInfo.processInfo.environment["WINIMG_OCI_SCHEMAS"]
            ?? ((Fixtures.root as NSString).deletingLastPathComponent as NSString).appendingPathComponent("shared/oci-schemas")
    }

    /// Runs testdata/check-layouts.py: a Python implementation that re-hashes every blob, checks
    /// diff_ids, Windows layer layout and platform/config agreement, and validates every document
    /// against the OCI JSON schemas.
    static func checkLayoutIndependently(_ dir: String) async throws {
        let r = try await TestSupport.run("/usr/bin/env", ["python3", Fixtures.repoPath("testdata/check-layouts.py"),
                                                     "--schemas", schemasDirectory, dir], timeout: 120)
        #expect(r.status == 0, "check-layouts.py failed:\n\(r.stdoutString)\n\(r.stderrString)")
        #expect(r.stdoutString.contains("0 error(s)"), "\(r.stdoutString)")
    }

    static func json(_ data: Data) throws -> JSONValue { try JSONValue(parsing: data) }
}

/// Reads documents out of an OCI layout our builder wrote.
struct LayoutReader {
    let layout: OCILayout

    init(_ dir: String) { layout = OCILayout(root: dir) }

    func blob(_ d: Digest) throws -> Data { try layout.readBlob(d, maxSize: 64 << 20) }
    func blob(_ s: String) throws -> Data { try blob(try Digest(s)) }
    func index(tag: String) throws -> (Descriptor, ImageIndex) {
        let d = try layout.resolve(tag: tag)
        return (d, try ImageIndex(data: try blob(d.digest)))
    }
    func manifest(_ d: Descriptor) throws -> ImageManifest { try ImageManifest(data: try blob(d.digest)) }
    func config(_ m: ImageManifest) throws -> ImageConfig { try ImageConfig(data: try blob(try m.config.digest)) }
}
