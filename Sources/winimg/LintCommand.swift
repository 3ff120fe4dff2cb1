import ArgumentParser
import Foundation
import ImageBuild
import ImageCheck
import OCIModel
import RegistryClient

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check an image index for what breaks Windows pulls: os.version, os.features, PATH, attestations, duplicates, required releases, layer structure.",
        discussion: """
        Every finding has a stable id (WI001…), a severity (error, warning, info) and a fix; \
        --list-rules prints them all and docs/lint.md explains each. Layer contents are only read \
        with --layers (each Windows layer is downloaded once, checked and deleted).

        Exit status: 0 when there is no error (warnings allowed unless --strict), 4 when there are \
        errors (or warnings with --strict), 1 when the image cannot be read or a flag is wrong.

        Examples:
          winimg lint registry.example.com/pause:3.10 --require ltsc2019,ltsc2022,ltsc2025
          winimg lint oci:examples/pause/out/pause:3.10 --layers --strict --format json
          winimg lint --list-rules
        """)

    @Argument(help: "Image: REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or oci:DIR[:TAG].")
    var image: String?

    @Option(name: .customLong("require"), help: "Windows releases that must each have an entry, comma-separated: names, aliases or builds (ltsc2019,ltsc2022,26100). Repeatable.")
    var require: [String] = []

    @Flag(help: "Also download the Windows layers and check Files/, Hives/, parent order and security descriptors.")
    var layers = false

    @Flag(help: "Fail (exit 4) on warnings as well as errors.")
    var strict = false

    @Flag(name: .customLong("list-rules"), help: "Print every rule (id, severity, name, fix) and exit.")
    var listRules = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Registry access")
    var registry: RegistryFlags

    func validate() throws {
        if !listRules, image == nil {
            throw ValidationError("give an image to lint, e.g. winimg lint registry.example.com/app:1.0 (or --list-rules)")
        }
    }

    func run() async throws {
        if listRules {
            print(format == .json ? try checkJSONText(LintRule.all) : LintRule.catalogueText())
            return
        }
        let report: LintReport
        do {
            let options = LintOptions(required: try LintOptions.releases(require))
            report = try await Self.lint(image ?? "", registry: registry, options: options, layers: layers)
            print(format == .json ? try checkJSONText(report) : report.text())
        } catch {
            throw ImageFetch.fail(error)
        }
        if !report.passes(strict: strict) { throw ExitCode(4) }
    }

    /// Opens the location with the registry flags, lints it and always shuts the clients down.
    static func lint(_ text: String, registry: RegistryFlags, options: LintOptions, layers: Bool) async throws -> LintReport {
        let location = try ImageLocation(parsing: text)
        let pool = RegistryPool(options: try registry.options(destinations: [location]))
        do {
            let report = try await LintReport.lint(location, display: text, pool: pool, options: options, layers: layers)
            await pool.shutdown()
            return report
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
