import OCIModel
import Testing

/// Inputs the fuzz targets in Fuzz/ found, kept so the fixes stay fixed (see docs/fuzzing.md).
@Suite struct FuzzRegressionTests {
    /// A platform's description must parse back to the same platform: `--platform` values are
    /// echoed in messages and JSON output that users paste back in.
    @Test(arguments: [
        // Build 2025 printed as "2025", which names the release ltsc2025 (build 26100).
        ("windows/amd64:10.0.2025", 2025, "windows/amd64:10.0.2025"),
        ("windows/amd64:10.0.1809", 1809, "windows/amd64:10.0.1809"),
        ("windows/arm64:22621", 22621, "windows/arm64:22621"),
    ])
    func platformDescriptionParsesBack(input: String, build: Int, description: String) throws {
        let spec = try PlatformSpec(parsing: input)
        #expect(spec.windowsBuild == build)
        #expect(spec.description == description)
        let again = try PlatformSpec(parsing: spec.description)
        #expect(again.windowsBuild == build)
    }

    /// Build 0 was accepted through the version form and printed as ":0", which does not parse.
    @Test(arguments: ["windows/amd64:10.0.0", "windows/amd64:10.0.0.1", "windows/amd64:10.0.00"])
    func windowsBuildZeroIsRejected(input: String) {
        #expect(throws: OCIModelError.self) { try PlatformSpec(parsing: input) }
        do {
            _ = try PlatformSpec(parsing: input)
        } catch {
            #expect("\(error)".contains("build 0"), "\(error)")
        }
    }
}
