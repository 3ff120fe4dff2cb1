import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport

/// The `winimg` executable as a user runs it: exit codes, messages, JSON output.
@Suite struct CLITests {
    /// The binary `swift test` built next to the test bundle.
    static let winimg: String = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = products.appendingPathComponent("winimg").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.repoPath(".build/debug/winimg")
    }()

    /// Runs the binary. The layer cache goes to a fresh directory removed afterwards (never the
    /// user's ~/.cache) unless `environment` sets `XDG_CACHE_HOME`.
    static func winimg(_ args: [String], in directory: String? = nil, environment: [String: String] = [:]) async throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env["SOURCE_DATE_EPOCH"] = nil
        env.merge(environment) { _, new in new }
        var cacheHome: TempDir?
        if environment["XDG_CACHE_HOME"] == nil {
            let dir = try TempDir(prefix: "winimg-xdg")
            cacheHome = dir
            env["XDG_CACHE_HOME"] = dir.path
        }
        defer { cacheHome?.remove() }
        if let directory {
            return try await TestSupport.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, winimg] + args, environment: env)
        }
        return try await TestSupport.run(winimg, args, environment: env)
    }

    /// The issue's command line, flags only, against the real registry.
    @Test func flagsOnlyBuildToRegistry() async throws {
        try await withTestRegistry { registry in
            let bases = try await RegistryBuildTests.seedBases(registry)
            let target = "\(registry.host)/e2e/pause:3.10"
            let r = try await Self.winimg([
                "build",
                "--platform", "windows/amd64:ltsc2019", "--platform", "windows/amd64:ltsc2022", "--platform", "windows/amd64:ltsc2025",
                "--platform", "linux/amd64", "--platform", "linux/arm64",
                "--base", "windows:ltsc2019=\(bases["windows:ltsc2019"]!)",
                "--base", "windows:ltsc2022=\(bases["windows:ltsc2022"]!)",
                "--base", "windows:ltsc2025=\(bases["windows:ltsc2025"]!)",
                "--base", "linux=scratch",
                "--add", "bin/{os}/{arch}/pause{exe}:/pause{exe}",
                "--entrypoint", "/pause{exe}", "--env-windows", #"PATH=C:\Windows\system32;C:\Windows;"#,
                "--label", "org.opencontainers.image.source=https://example.invalid/pause",
                "-t", target, "--insecure-registry", registry.host, "--format", "json",
            ], in: Fixtures.repoPath("examples/pause"))
            #expect(r.status == 0, "\(r.stderrString)")
            let json = try JSONValue(parsing: r.stdout)
            let platforms = try #require(json["platforms"]?.arrayValue)
            #expect(platforms.count == 5)
            #expect(platforms.compactMap { $0["osVersion"]?.stringValue } == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314"])
            let digest = try #require(json["index"]?["digest"]?.stringValue)
            await #expect(SHA256Digest.of(try Skopeo.inspectRaw("docker://\(target)")).description == digest)
            #expect(r.stderr.isEmpty, "JSON mode keeps stderr quiet: \(r.stderrString)")
        }
    }

    @Test func specFileWithFlagOverride() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let r = try await Self.winimg(["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"), "-t", "oci:\(dir.file("out")):v1",
                                 "--platform", "windows/amd64:ltsc2022", "--platform", "linux/arm64"])
        #expect(r.status == 0, "\(r.stderrString)")
        #expect(r.stdoutString.contains("10.0.20348.2762"))
        #expect(!r.stdoutString.contains("10.0.17763"), "the --platform flags replace the file's list")
        #expect(try OCILayout(root: dir.file("out")).resolve(tag: "v1").mediaType == MediaType.ociIndex)
    }

    /// Bad input: a clear message naming the problem and the fix, exit ≠ 0, nothing written.
    @Test(arguments: [
        (["--platform", "windows/amd64:ltsc2030"], "unknown Windows release 'ltsc2030'"),
        (["--platform", "linux/amd64", "--platform", "windows/amd64:1809", "--platform", "windows/amd64:ltsc2019"], "listed twice"),
        (["--platform", "linux/amd64", "--add", "bin/missing/{arch}:/x"], "does not exist"),
        (["--platform", "linux/amd64", "--add", "nocolon"], "SRC:DST"),
        (["--platform", "linux/amd64", "--add", "bin/{os}/{arch}/pause{ext}:/p"], "unknown placeholder {ext}"),
        (["--platform", "windows/amd64:ltsc2022", "--base", "windows:ltsc2022=scratch"], "need a Windows base"),
        (["--platform", "linux/amd64", "--base", "linux=oci:/nonexistent/layout"], "/nonexistent/layout"),
        (["--platform", "linux/amd64", "--env", "NOEQUALS"], "KEY=VALUE"),
        (["--platform", "linux/amd64", "--entrypoint", "[\"a\","], "JSON array"),
        (["--platform", "linux/s390"], "s390"),
    ])
    func badInput(args: [String], message: String) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var full = ["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"), "-t", "oci:\(dir.file("out"))"]
        full += args
        if !args.contains("--base") { full += ["--base", "linux=scratch"] }
        let r = try await Self.winimg(full)
        #expect(r.status != 0)
        #expect(r.stderrString.contains("winimg: error:"), "\(r.stderrString)")
        #expect(r.stderrString.contains(message), "\(r.stderrString)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")), "nothing written")
    }

    @Test func missingSpecFileAndUnknownKey() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let missing = try await Self.winimg(["build", "-f", dir.file("nope.yaml")])
        #expect(missing.status != 0 && missing.stderrString.contains("cannot read the spec file"))
        let spec = try dir.write("w.yaml", Data("platforms: [linux/amd64]\nentrypiont: [/x]\n".utf8))
        let unknown = try await Self.winimg(["build", "-f", spec])
        #expect(unknown.status != 0)
        #expect(unknown.stderrString.contains("w.yaml:2: unknown key 'entrypiont' (did you mean 'entrypoint'?)"), "\(unknown.stderrString)")
    }

    @Test func versionsListsTheReleaseTable() async throws {
        let r = try await Self.winimg(["versions", "--format", "json"])
        #expect(r.status == 0)
        let releases = try JSONDecoder().decode([WindowsRelease].self, from: r.stdout)
        #expect(releases.first { $0.name == "ltsc2022" }?.build == 20348)
        #expect(releases.first { $0.name == "ltsc2025" }?.build == 26100)
    }
}

@Suite struct ProgressOutputTests {
    @Test func plainProgressHasOneLinePerEventAndQuietHasNone() async throws {
        try await withTestRegistry { registry in
            let target = "\(registry.host)/e2e/progress:1"
            let spec = Fixtures.repoPath("examples/pause/winimg.yaml")
            let plain = try await CLITests.winimg(["build", "-f", spec, "-t", target, "--progress", "plain", "--format", "json"])
            #expect(plain.status == 0, "\(plain.stderrString)")
            let json = try JSONValue(parsing: plain.stdout)
            let uploaded = try #require(json["transfer"]?["blobsUploaded"]?.int64Value)
            let lines = plain.stderrString.split(separator: "\n")
            #expect(lines.filter { $0.contains(" uploaded (") }.count == Int(uploaded))
            #expect(lines.filter { $0.hasPrefix("base ") }.count == 5)
            #expect(lines.last?.hasPrefix("published \(target)") == true)
            #expect(try #require(json["network"]?["requests"]?.int64Value) > uploaded)

            let quiet = try await CLITests.winimg(["build", "-f", spec, "-t", target, "--quiet"])
            #expect(quiet.status == 0)
            #expect(quiet.stderr.isEmpty)
            #expect(quiet.stdoutString.contains("blobs uploaded: 0"), "second push: everything already there")
        }
    }
}

@Suite struct CLICredentialTests {
    static let password = "s3cret-Pa55:with-colon"

    @Test func pushWithPasswordStdinEnvironmentOrNothing() async throws {
        try await withTestRegistry(users: ["ci": Self.password]) { registry in
            let spec = Fixtures.repoPath("examples/pause/winimg.yaml")
            let target = "\(registry.host)/e2e/auth:1"
            var env = ProcessInfo.processInfo.environment
            env["PW"] = Self.password
            let noConfig = try TempDir()   // no stored credentials from the machine
            defer { noConfig.remove() }
            env["DOCKER_CONFIG"] = noConfig.path
            env["XDG_CACHE_HOME"] = noConfig.path  // the layer cache stays out of the user's ~/.cache

            // 1. --username + --password-stdin.
            let piped = try await TestSupport.run("/bin/sh", ["-c", "printf %s \"$PW\" | \"$0\" \"$@\"", CLITests.winimg,
                                                        "build", "-f", spec, "-t", target, "--progress", "plain",
                                                        "--username", "ci", "--password-stdin"], environment: env)
            #expect(piped.status == 0, "\(piped.stderrString)")

            // 2. The CI variables.
            var ciEnv = env
            ciEnv["WINIMG_REGISTRY_USERNAME"] = "ci"
            ciEnv["WINIMG_REGISTRY_PASSWORD"] = Self.password
            let fromEnv = try await TestSupport.run(CLITests.winimg, ["build", "-f", spec, "-t", target, "--progress", "plain"], environment: ciEnv)
            #expect(fromEnv.status == 0, "\(fromEnv.stderrString)")

            // 3. Nothing: a clear refusal that says how to log in.
            let none = try await TestSupport.run(CLITests.winimg, ["build", "-f", spec, "-t", target], environment: env)
            #expect(none.status != 0)
            #expect(none.stderrString.contains("--password-stdin") || none.stderrString.contains("docker login"), "\(none.stderrString)")

            // 4. A wrong password is refused without being echoed.
            var wrong = env
            wrong["PW"] = "wrong-\(Self.password)"
            let bad = try await TestSupport.run("/bin/sh", ["-c", "printf %s \"$PW\" | \"$0\" \"$@\"", CLITests.winimg,
                                                      "build", "-f", spec, "-t", target, "--progress", "plain",
                                                      "--username", "ci", "--password-stdin"], environment: wrong)
            #expect(bad.status != 0)
            for r in [piped, fromEnv, none, bad] {
                #expect(!r.stdoutString.contains("s3cret") && !r.stderrString.contains("s3cret"), "a secret leaked")
            }
        }
    }

    @Test(arguments: [
        (["--username", "u"], "--password-stdin"),
        (["--password-stdin"], "also give --username"),
        (["--chunk-size", "lots"], "positive size"),
    ])
    func credentialFlagMistakes(args: [String], message: String) async throws {
        let r = try await CLITests.winimg(["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"), "-t", "127.0.0.1:1/x:y"] + args)
        #expect(r.status != 0)
        #expect(r.stderrString.contains(message), "\(r.stderrString)")
    }
}

@Suite struct LogRedactionTests {
    @Test func noSecretAtAnyLogLevel() async throws {
        let password = "Log-S3cret:pw"
        let basic = Data("ci:\(password)".utf8).base64EncodedString()
        try await withTestRegistry(users: ["ci": password]) { registry in
            let noConfig = try TempDir()
            defer { noConfig.remove() }
            var env = ProcessInfo.processInfo.environment
            env["PW"] = password
            env["DOCKER_CONFIG"] = noConfig.path
            env["XDG_CACHE_HOME"] = noConfig.path  // the layer cache stays out of the user's ~/.cache
            for (i, level) in ["error", "warning", "info", "debug", "trace"].enumerated() {
                let r = try await TestSupport.run("/bin/sh", ["-c", "printf %s \"$PW\" | \"$0\" \"$@\"", CLITests.winimg,
                                                        "build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"),
                                                        "-t", "\(registry.host)/e2e/log:\(i)", "--progress", "plain",
                                                        "--log-level", level, "--username", "ci", "--password-stdin"],
                                            environment: env)
                #expect(r.status == 0, "\(r.stderrString)")
                for secret in [password, basic, "S3cret"] {
                    #expect(!r.stdoutString.contains(secret) && !r.stderrString.contains(secret), "\(level): secret in output")
                }
                if level == "trace" {
                    #expect(r.stderrString.contains("Authorization: Basic <redacted>"), "trace shows that auth was sent")
                }
            }
        }
    }
}
