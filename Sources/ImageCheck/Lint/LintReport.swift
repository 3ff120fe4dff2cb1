import Foundation
import ImageBuild
import OCIModel
import RegistryClient

/// The result of `winimg lint`: the image and every finding.
public struct LintReport: Sendable, Hashable, Codable {
    /// The reference as the user wrote it.
    public var image: String
    /// Digest of the top-level document.
    public var digest: String
    /// Number of index entries (1 for a lone manifest).
    public var entries: Int
    /// True when layer contents were checked (`--layers`).
    public var layersChecked: Bool
    /// Windows releases that had to be present.
    public var required: [String]
    public var findings: [LintFinding]

    public init(image: String, digest: String, entries: Int, layersChecked: Bool, required: [String], findings: [LintFinding]) {
        self.image = image
        self.digest = digest
        self.entries = entries
        self.layersChecked = layersChecked
        self.required = required
        self.findings = findings
    }

    public func count(_ severity: LintSeverity) -> Int { findings.filter { $0.severity == severity }.count }

    /// True when nothing fails: no error, and no warning when `strict`.
    public func passes(strict: Bool) -> Bool {
        count(.error) == 0 && (!strict || count(.warning) == 0)
    }

    /// Lints `reference` in `source`: fetches the index, manifests and configs, runs every rule and,
    /// with `layers`, downloads and checks the Windows layers.
    public static func lint(source: any ImageSource, reference: String, display: String, options: LintOptions,
                            layers: Bool) async throws -> LintReport {
        let subject = try await ImageInspector(source: source).lintSubject(reference, display: display)
        let linter = Linter(options: options)
        var findings = linter.findings(subject)
        if layers { findings = Linter.ordered(findings + (try await linter.layerFindings(subject, source: source))) }
        return LintReport(image: display, digest: subject.digest.description, entries: subject.entries.count,
                          layersChecked: layers, required: options.required.map(\.name), findings: findings)
    }

    /// Opens a registry reference or `oci:DIR[:TAG]` location the way `inspect` does and lints it.
    public static func lint(_ location: ImageLocation, display: String, pool: RegistryPool, options: LintOptions,
                            layers: Bool) async throws -> LintReport {
        let (inspector, reference) = try await ImageInspector.open(location, pool: pool)
        return try await lint(source: inspector.source, reference: reference, display: display, options: options, layers: layers)
    }
}
