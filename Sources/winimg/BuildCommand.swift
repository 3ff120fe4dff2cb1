import ArgumentParser
import Foundation
import ImageBuild
import ImageCheck
import OCIModel
import RegistryClient

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image for every platform and publish one index.",
        discussion: """
        Every spec-file key has a flag; flags override the file (see docs/build.md).
        After publishing, the result is linted (see winimg lint and docs/lint.md); lint errors \
        make the exit status 4, the image stays published. --require names Windows releases that \
        must be built (checked before anything is pushed).

        Example:
          winimg build \\
            --platform windows/amd64:ltsc2019 --platform windows/amd64:ltsc2022 \\
            --platform linux/amd64 \\
            --base windows:ltsc2019=mcr.microsoft.com/windows/nanoserver:1809 \\
            --base windows:ltsc2022=mcr.microsoft.com/windows/nanoserver:ltsc2022 \\
            --base linux=scratch \\
            --add 'bin/{os}/{arch}/pause{exe}:/pause{exe}' --entrypoint '/pause{exe}' \\
            --env-windows 'PATH=C:\\Windows\\system32;C:\\Windows;' \\
            -t registry.example.com/pause:3.10
        """)

    @Option(name: [.customShort("f"), .long], help: "Spec file (YAML).")
    var file: String?

    @Option(name: .customLong("platform"), help: "Target platform: os/arch[/variant][:release|build|os.version][+zstd], e.g. windows/amd64:ltsc2022, linux/arm64, linux/amd64+zstd (zstd layer; Linux with an OCI base only). Repeatable.")
    var platforms: [String] = []

    @Option(name: .customLong("base"), help: "Base per platform: SELECTOR=IMAGE, e.g. windows:ltsc2022=REGISTRY/windows/nanoserver:ltsc2022, linux=scratch, linux/arm64=oci:DIR:TAG. Repeatable.")
    var bases: [String] = []

    @Option(name: .customLong("add"), help: "Host file or directory to add: SRC:DST, with {os} {arch} {variant} {exe} {release} {build}. Repeatable.")
    var add: [String] = []

    @Option(name: .customLong("copy-from"), help: "Files or whole folders from another image's layers: image=REF,path=P[,path=P2][,dst=D][,only=SELECTOR]; P is a file, a folder (its tree) or a pattern (* ? [..], ** for any folders); REF may use {release}. Repeatable.")
    var copyFrom: [String] = []

    @Option(name: .customLong("add-windows"), help: "Like --add, for Windows platforms only.")
    var addWindows: [String] = []

    @Option(name: .customLong("add-linux"), help: "Like --add, for Linux platforms only.")
    var addLinux: [String] = []

    @Option(help: "Entrypoint: one program path, or a JSON array for several arguments.")
    var entrypoint: String?

    @Option(help: "Cmd: one argument, or a JSON array.")
    var cmd: String?

    @Option(name: .customLong("env"), help: "KEY=VALUE for every platform. Repeatable.")
    var env: [String] = []

    @Option(name: .customLong("env-windows"), help: "KEY=VALUE for Windows platforms only. Repeatable.")
    var envWindows: [String] = []

    @Option(name: .customLong("env-linux"), help: "KEY=VALUE for Linux platforms only. Repeatable.")
    var envLinux: [String] = []

    @Option(name: .customLong("label"), help: "Image label KEY=VALUE. Repeatable.")
    var labels: [String] = []

    @Option(help: "User to run as (e.g. ContainerUser).")
    var user: String?

    @Option(help: "Working directory.")
    var workdir: String?

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Destination: REGISTRY/REPO:TAG or oci:DIR[:TAG]. Repeatable.")
    var tags: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Progress on stderr: auto (live on a terminal, lines in CI), tty, plain or quiet. JSON output implies quiet unless set.")
    var progress: ProgressMode?

    @Flag(name: [.customShort("q"), .long], help: "No progress output (same as --progress quiet).")
    var quiet = false

    @Option(help: "Blob transfers in flight at once per destination.")
    var jobs: Int = Builder.defaultConcurrency

    @Option(name: .customLong("require"), help: "Windows releases that must be built, comma-separated (ltsc2019,ltsc2022,ltsc2025); checked before pushing and by the lint. Repeatable.")
    var require: [String] = []

    @Flag(name: .customLong("no-lint"), help: "Do not lint the published image.")
    var noLint = false

    @OptionGroup(title: "Registry access")
    var registry: RegistryFlags

    @OptionGroup(title: "Layer cache")
    var cache: CacheFlags

    func run() async throws {
        var lintErrors = 0
        do {
            let spec = try resolvedSpec()
            let plan = try BuildPlan(spec: spec)
            let required = try LintOptions.releases(require)
            let missing = BuildLint.missingReleases(required, plan: plan)
            if let first = missing.first {
                throw BuildError.invalidFlag("--require", require.joined(separator: ","),
                                             hint: "no Windows platform builds \(missing.map(\.name).joined(separator: ", ")); add --platform windows/amd64:\(first.name) with a base for it")
            }
            if quiet, let progress, progress != .quiet {
                throw BuildError.invalidFlag("--progress", progress.rawValue, hint: "--quiet turns progress off; give one of --quiet and --progress")
            }
            guard jobs >= 1 else { throw BuildError.invalidFlag("--jobs", String(jobs), hint: "use 1 or more") }
            let mode = quiet ? .quiet : (progress ?? (format == .json ? .quiet : .auto))
            let (layerCache, cacheNotice) = try cache.open()
            let display = ProgressDisplay(mode: mode)
            if let cacheNotice { display.handle(.cacheNotice(cacheNotice)) }
            let registryOptions = try registry.options(destinations: plan.destinations)
            let builder = Builder(plan: plan, registryOptions: registryOptions, concurrency: jobs,
                                  layerCache: layerCache, events: { display.handle($0) })
            let result: BuildResult
            do { result = try await Interrupt.cancellingOnSignal { try await builder.run() } } catch {
                display.finish()
                throw error
            }
            display.finish()
            var report: LintReport?
            if !noLint {
                do {
                    report = try await BuildLint.lint(plan: plan, registryOptions: registryOptions, options: LintOptions(required: required))
                } catch {
                    FileHandle.standardError.write(Data("winimg: warning: the image was published but could not be linted: \(error)\n".utf8))
                }
            }
            if format == .json {
                print(try result.jsonText(lint: report))
            } else {
                print(result.text() + (report.map { "\n" + $0.summary() } ?? ""))
            }
            lintErrors = report?.count(.error) ?? 0
        } catch is CancellationError {
            FileHandle.standardError.write(Data("winimg: interrupted; nothing was tagged, open uploads were cancelled\n".utf8))
            throw ExitCode(130)
        } catch {
            FileHandle.standardError.write(Data("winimg: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if lintErrors > 0 {
            FileHandle.standardError.write(Data("winimg: the image was published, but lint found \(lintErrors) error(s); fix them and rebuild (details: winimg lint IMAGE)\n".utf8))
            throw ExitCode(4)
        }
    }

    /// The spec file (if any) with the flags applied on top.
    func resolvedSpec() throws -> BuildSpec {
        var flags = BuildSpec()
        var set: BuildSpec.SetFields = []
        if !platforms.isEmpty { flags.platforms = platforms; set.insert(.platforms) }
        for b in bases {
            guard let eq = b.firstIndex(of: "="), eq > b.startIndex else {
                throw BuildError.invalidFlag("--base", b, hint: "write SELECTOR=IMAGE, e.g. windows:ltsc2022=REGISTRY/windows/nanoserver:ltsc2022")
            }
            flags.bases[String(b[..<eq])] = String(b[b.index(after: eq)...])
        }
        let files = try add.map { try FileSpec(flag: $0) } + addWindows.map { try FileSpec(flag: $0, only: "windows") }
            + addLinux.map { try FileSpec(flag: $0, only: "linux") }
        if !files.isEmpty { flags.files = files; set.insert(.files) }
        if !copyFrom.isEmpty { flags.copyFrom = try copyFrom.map { try CopySpec(flag: $0) }; set.insert(.copyFrom) }
        if let entrypoint { flags.entrypoint = try Self.command(entrypoint, flag: "--entrypoint"); set.insert(.entrypoint) }
        if let cmd { flags.cmd = try Self.command(cmd, flag: "--cmd"); set.insert(.cmd) }
        if !env.isEmpty { flags.env = env; set.insert(.env) }
        if !envWindows.isEmpty { flags.envWindows = envWindows; set.insert(.envWindows) }
        if !envLinux.isEmpty { flags.envLinux = envLinux; set.insert(.envLinux) }
        for l in labels {
            guard let eq = l.firstIndex(of: "="), eq > l.startIndex else {
                throw BuildError.invalidFlag("--label", l, hint: "write KEY=VALUE")
            }
            flags.labels[String(l[..<eq])] = String(l[l.index(after: eq)...])
        }
        if let user { flags.user = user; set.insert(.user) }
        if let workdir { flags.workdir = workdir; set.insert(.workdir) }
        if !tags.isEmpty { flags.tags = tags; set.insert(.tags) }
        flags.insecureRegistries = registry.insecureRegistries

        guard let file else { return flags }
        return try BuildSpec.load(file: file).overridden(by: flags, otherIsSet: set)
    }

    /// `/pause.exe` → one argument; `["a","b"]` → the array.
    static func command(_ text: String, flag: String) throws -> [String] {
        guard text.hasPrefix("[") else { return [text] }
        guard let array = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw BuildError.invalidFlag(flag, text, hint: "a value starting with '[' must be a JSON array of strings, e.g. [\"/agnhost.exe\",\"serve\"]")
        }
        return array
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension ProgressMode: ExpressibleByArgument {}
