import Testing
@testable import OCIModel

struct SpecCase: Sendable, CustomTestStringConvertible {
    var input: String
    var os: String
    var architecture: String
    var variant: String? = nil
    var windowsBuild: Int? = nil
    var requestedVersion: String? = nil
    var description: String
    var testDescription: String { input }
}

@Suite struct PlatformSpecTests {
    @Test(arguments: [
        SpecCase(input: "linux/amd64", os: "linux", architecture: "amd64", description: "linux/amd64"),
        SpecCase(input: "linux/arm64/v8", os: "linux", architecture: "arm64", variant: "v8", description: "linux/arm64/v8"),
        SpecCase(input: "linux/arm/v7", os: "linux", architecture: "arm", variant: "v7", description: "linux/arm/v7"),
        SpecCase(input: "linux/386", os: "linux", architecture: "386", description: "linux/386"),
        SpecCase(input: "linux/ppc64le", os: "linux", architecture: "ppc64le", description: "linux/ppc64le"),
        SpecCase(input: "linux/s390x", os: "linux", architecture: "s390x", description: "linux/s390x"),
        SpecCase(input: "linux/riscv64", os: "linux", architecture: "riscv64", description: "linux/riscv64"),
        SpecCase(input: "windows/amd64:ltsc2022", os: "windows", architecture: "amd64", windowsBuild: 20348, description: "windows/amd64:ltsc2022"),
        SpecCase(input: "windows/amd64:LTSC2025", os: "windows", architecture: "amd64", windowsBuild: 26100, description: "windows/amd64:ltsc2025"),
        SpecCase(input: "windows/amd64:20348", os: "windows", architecture: "amd64", windowsBuild: 20348, description: "windows/amd64:ltsc2022"),
        SpecCase(input: "windows/amd64:10.0.20348", os: "windows", architecture: "amd64", windowsBuild: 20348, description: "windows/amd64:ltsc2022"),
        SpecCase(input: "windows/amd64:10.0.20348.2700", os: "windows", architecture: "amd64", windowsBuild: 20348,
                 requestedVersion: "10.0.20348.2700", description: "windows/amd64:ltsc2022"),
        SpecCase(input: "windows/amd64:1809", os: "windows", architecture: "amd64", windowsBuild: 17763, description: "windows/amd64:ltsc2019"),
        SpecCase(input: "windows/amd64:20h2", os: "windows", architecture: "amd64", windowsBuild: 19042, description: "windows/amd64:20H2"),
        SpecCase(input: "windows/arm64:22621", os: "windows", architecture: "arm64", windowsBuild: 22621, description: "windows/arm64:22621"),
        SpecCase(input: "windows/amd64:10.0.22621.4317", os: "windows", architecture: "amd64", windowsBuild: 22621,
                 requestedVersion: "10.0.22621.4317", description: "windows/amd64:10.0.22621.4317"),
    ])
    func parsesValidSpecs(c: SpecCase) throws {
        let spec = try PlatformSpec(parsing: c.input)
        #expect(spec.os == c.os)
        #expect(spec.architecture == c.architecture)
        #expect(spec.variant == c.variant)
        #expect(spec.windowsBuild == c.windowsBuild)
        #expect(spec.requestedVersion == c.requestedVersion)
        #expect(spec.description == c.description)
        #expect(spec.release == c.windowsBuild.flatMap(WindowsRelease.forBuild))
        // The canonical form names the same target.
        #expect(try PlatformSpec(parsing: spec.description).windowsBuild == spec.windowsBuild)
    }

    @Test(arguments: [
        ("windows/amd64", "needs a release"),
        ("windows/amd64:", "needs a release"),
        ("linux/amd64:ltsc2022", "remove ':ltsc2022'"),
        ("darwin/arm64", "linux or windows"),
        ("Linux/amd64", "lowercase"),
        ("linux/x86_64", "'amd64'"),
        ("linux/aarch64", "'arm64'"),
        ("linux/AMD64", "'amd64'"),
        ("linux/mips", "one of"),
        ("linux", "OS/ARCH"),
        ("linux/", "OS/ARCH"),
        ("/amd64", "OS/ARCH"),
        ("linux/arm/v7/x", "OS/ARCH"),
        ("linux/arm/V7", "variant"),
        ("windows/amd64:ltsc2030", "unknown Windows release"),
        ("windows/amd64:11.0.20348", "10.0"),
        ("windows/amd64:10.0.x", "not a Windows version"),
        ("windows/amd64:0", "unknown Windows release"),
        ("", "OS/ARCH"),
        ("windows/amd64:ltsc2022+zstd", "Windows layers must stay gzip"),
        ("windows/amd64:20348+zstd", "remove '+zstd'"),
        ("linux/amd64+lz4", "unknown layer compression '+lz4'"),
        ("linux/amd64+", "unknown layer compression"),
        ("linux/amd64:ltsc2022+zstd", "remove ':ltsc2022'"),
        ("linux/amd64+zstd/v8", "unknown layer compression"),
    ])
    func rejectsInvalidSpecs(input: String, fragment: String) {
        do {
            let spec = try PlatformSpec(parsing: input)
            Issue.record("parsed \(input.debugDescription) as \(spec)")
        } catch let OCIModelError.invalidPlatform(echo, reason) {
            #expect(echo == input)
            #expect(reason.contains(fragment), "reason \(reason.debugDescription) lacks \(fragment.debugDescription)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(arguments: [
        ("linux/amd64+zstd", "linux/amd64", LayerCompression.zstd, "linux/amd64+zstd"),
        ("linux/arm64/v8+zstd", "linux/arm64/v8", .zstd, "linux/arm64/v8+zstd"),
        ("linux/amd64+ZSTD", "linux/amd64", .zstd, "linux/amd64+zstd"),
        ("linux/amd64+gzip", "linux/amd64", .gzip, "linux/amd64"),
        ("linux/amd64", "linux/amd64", .gzip, "linux/amd64"),
        ("windows/amd64:ltsc2022", "windows/amd64:ltsc2022", .gzip, "windows/amd64:ltsc2022"),
        ("windows/amd64:20348+gzip", "windows/amd64:ltsc2022", .gzip, "windows/amd64:ltsc2022"),
    ])
    func compressionSuffix(input: String, target: String, compression: LayerCompression, description: String) throws {
        let spec = try PlatformSpec(parsing: input)
        #expect(spec.compression == compression)
        #expect(spec.target == target)
        #expect(spec.description == description)
        #expect(try PlatformSpec(parsing: spec.description) == spec, "the description parses back")
        // Compression is not part of the image platform.
        #expect(spec.matches(Platform(os: "linux", architecture: "amd64")) == (spec.os == "linux" && spec.architecture == "amd64"))
    }

    @Test func compressionMediaTypes() {
        #expect(LayerCompression.gzip.ociMediaType == MediaType.ociLayerGzip)
        #expect(LayerCompression.zstd.ociMediaType == "application/vnd.oci.image.layer.v1.tar+zstd")
    }

    @Test(arguments: [
        ("linux/amd64", Platform(os: "linux", architecture: "amd64"), true),
        ("linux/amd64", Platform(os: "linux", architecture: "arm64"), false),
        ("linux/amd64", Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.1"), false),
        ("linux/arm64", Platform(os: "linux", architecture: "arm64", variant: "v8"), true),
        ("linux/arm64/v8", Platform(os: "linux", architecture: "arm64", variant: "v8"), true),
        ("linux/arm64/v8", Platform(os: "linux", architecture: "arm64"), false),
        ("linux/arm/v7", Platform(os: "linux", architecture: "arm", variant: "v6"), false),
        ("windows/amd64:ltsc2022", Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2700"), true),
        ("windows/amd64:10.0.20348.1", Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2700"), true),
        ("windows/amd64:ltsc2022", Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.2700"), false),
        ("windows/amd64:ltsc2022", Platform(os: "windows", architecture: "amd64"), false),
        ("windows/amd64:ltsc2022", Platform(os: "windows", architecture: "amd64", osVersion: "garbage"), false),
        ("windows/amd64:ltsc2022", Platform(os: "windows", architecture: "arm64", osVersion: "10.0.20348.1"), false),
    ])
    func matchesPlatforms(spec: String, platform: Platform, expected: Bool) throws {
        #expect(try PlatformSpec(parsing: spec).matches(platform) == expected)
    }
}
