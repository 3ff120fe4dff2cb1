import ArgumentParser
import Foundation
import ImageBuild
import OCIModel

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Assemble an index (manifest list) from images already pushed: each entry's os.version and os.features come from the image's config.",
        discussion: """
        Replaces `docker manifest create` + `docker manifest annotate`. Images on the same registry as the
        target are mounted, not copied; the images themselves are never changed. See docs/index.md.

        Examples:
          winimg index create -t registry.example.com/app:1.0 \\
            registry.example.com/app:1.0-ltsc2019 registry.example.com/app:1.0-ltsc2022
          winimg index append -t registry.example.com/app:1.0 registry.example.com/app:1.0-ltsc2025
        """,
        subcommands: [IndexCreateCommand.self, IndexAppendCommand.self])
}

enum IndexTypeFlag: String, ExpressibleByArgument, CaseIterable {
    case oci, docker

    var family: MediaType.Family { self == .oci ? .oci : .docker }
}

/// Flags shared by `index create` and `index append`.
struct IndexFlags: ParsableArguments {
    @Option(name: [.customShort("t"), .customLong("tag")], help: "Where the index goes: REGISTRY/REPO:TAG or oci:DIR[:TAG].")
    var target: String

    @Argument(help: "Images: REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or oci:DIR[:TAG]. An index contributes all its entries.")
    var images: [String] = []

    @Option(name: .customLong("platform"), help: "Keep only entries matching os[/arch[/variant]][:release], e.g. windows:ltsc2022 or linux/arm64. Repeatable.")
    var platforms: [String] = []

    @Option(name: .customLong("annotation"), help: "Index annotation KEY=VALUE. Repeatable.")
    var annotations: [String] = []

    @Option(name: .customLong("index-type"), help: "oci or docker; default: the images' own type (a mix needs oci).")
    var indexType: IndexTypeFlag?

    @Flag(name: .customLong("dry-run"), help: "Check everything and print the index JSON; write nothing.")
    var dryRun = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Blob transfers in flight at once.")
    var jobs: Int = Builder.defaultConcurrency

    @OptionGroup(title: "Registry access")
    var registry: RegistryFlags

    func run(mode: IndexRequest.Mode, replace: Bool) async throws {
        do {
            guard jobs >= 1 else { throw BuildError.invalidFlag("--jobs", String(jobs), hint: "use 1 or more") }
            let target = try ImageLocation(parsing: target, destination: true)
            let parsed = try images.map { (text: $0, location: try ImageLocation(parsing: $0)) }
            let request = IndexRequest(mode: mode, target: target, images: parsed,
                                       filters: try platforms.map { try PlatformSelector(parsing: $0) },
                                       annotations: try IndexRequest.annotations(annotations), indexType: indexType?.family,
                                       replace: replace, dryRun: dryRun)
            // Credentials given for the target also serve images on the same registry (they are mounted from there).
            var hosts: [ImageLocation] = [target]
            if case let .registry(t) = target {
                hosts += parsed.map(\.location).filter { if case let .registry(r) = $0 { return r.apiHost == t.apiHost } else { return false } }
            }
            let assembler = IndexAssembler(registryOptions: try registry.options(destinations: hosts), concurrency: jobs,
                                           warn: { FileHandle.standardError.write(Data("winimg: warning: \($0)\n".utf8)) })
            let result = try await Interrupt.cancellingOnSignal { try await assembler.run(request) }
            if format == .json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try e.encode(result), as: UTF8.self))
            } else if dryRun {
                // The exact bytes, no newline, so `| sha256sum` gives the digest that would be pushed.
                FileHandle.standardOutput.write(result.document)
                FileHandle.standardError.write(Data("\(result.text())\n".utf8))
            } else {
                print(result.text())
            }
        } catch is CancellationError {
            FileHandle.standardError.write(Data("winimg: interrupted; the index was not written\n".utf8))
            throw ExitCode(130)
        } catch {
            FileHandle.standardError.write(Data("winimg: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct IndexCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Write a new index listing the images (replacing whatever the tag pointed at).",
        discussion: """
        Two images with the same platform (for Windows: the same build) are refused; nothing is
        written unless every image checks out.

        Example:
          winimg index create -t registry.example.com/app:1.0 \\
            registry.example.com/app:1.0-ltsc2019 registry.example.com/app:1.0-ltsc2022 \\
            registry.example.com/app:1.0-linux
        """)

    @OptionGroup var flags: IndexFlags

    func run() async throws {
        try await flags.run(mode: .create, replace: false)
    }
}

struct IndexAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Add images to the index the target already holds.",
        discussion: """
        An image whose platform the index already lists is refused, unless --replace; an image already
        listed with the same digest is left as it is.

        Example:
          winimg index append -t registry.example.com/app:1.0 registry.example.com/app:1.0-ltsc2025
        """)

    @Flag(help: "Replace an entry of the same platform instead of refusing.")
    var replace = false

    @OptionGroup var flags: IndexFlags

    func run() async throws {
        try await flags.run(mode: .append, replace: replace)
    }
}
