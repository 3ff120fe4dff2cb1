import Foundation
import ImageBuild
import OCIModel
import RegistryClient

/// The lint at the end of `winimg build`.
///
/// It reads back what the first destination now serves (every destination gets the same bytes),
/// so it checks the published result, not the builder's intent. It runs after the index is
/// published: pushing stays "children first, index last", and an error finding makes the build
/// exit non-zero without undoing the push. Required releases are checked against the plan before
/// anything is pushed (`missingReleases`), so a missing release never gets published.
public enum BuildLint {
    /// The required releases none of the plan's Windows platforms builds.
    public static func missingReleases(_ required: [WindowsRelease], plan: BuildPlan) -> [WindowsRelease] {
        let builds = Set(plan.platforms.compactMap { $0.platform.os == "windows" ? $0.platform.windowsBuild : nil })
        return required.filter { !builds.contains($0.build) }
    }

    /// The destination lint reads: the first one, with a layout's default tag made explicit.
    public static func target(_ plan: BuildPlan) -> ImageLocation? {
        switch plan.destinations.first {
        case let .layout(dir, tag)?: return .layout(directory: dir, tag: tag ?? "latest")
        case let other: return other
        }
    }

    /// Lints the published image at the plan's first destination (layer contents are not read).
    public static func lint(plan: BuildPlan, registryOptions: RegistryOptions, options: LintOptions) async throws -> LintReport? {
        guard let location = target(plan) else { return nil }
        var registryOptions = registryOptions
        registryOptions.insecureHosts.formUnion(plan.insecureRegistries)
        let pool = RegistryPool(options: registryOptions)
        do {
            let report = try await LintReport.lint(location, display: location.description, pool: pool, options: options, layers: false)
            await pool.shutdown()
            return report
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
