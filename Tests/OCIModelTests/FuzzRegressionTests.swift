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

    /// A Docker Hub name within 255 characters as written became longer than 255 once
    /// normalised (`docker.io/library/` added), so the printed canonical form did not parse.
    @Test(arguments: [240, 255 - "docker.io/library/".count, 255 - "docker.io/library/".count + 1])
    func referenceLengthIsCheckedOnTheCanonicalName(length: Int) throws {
        let input = String(repeating: "a", count: length)
        let canonicalLength = "docker.io/library/".count + length
        if canonicalLength <= ImageReference.maximumNameLength {
            let ref = try ImageReference(parsing: input)
            #expect(try ImageReference(parsing: ref.description) == ref)
        } else {
            #expect(throws: OCIModelError.self) { try ImageReference(parsing: input) }
        }
    }

    /// `index.docker.io/` is shorter once normalised, so a name over 255 characters as written can be valid.
    @Test func referenceLimitAppliesAfterNormalisation() throws {
        let path = "u/" + String(repeating: "b", count: 255 - "docker.io/u/".count)
        let ref = try ImageReference(parsing: "index.docker.io/" + path)
        #expect(ref.description == "docker.io/\(path):latest")
        #expect(try ImageReference(parsing: ref.description) == ref)
    }
}
