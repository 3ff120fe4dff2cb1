import ArgumentParser

@main
struct Winimg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winimg",
        abstract: "Build multi-release Windows and Linux container images on Linux, without a container runtime.",
        discussion: """
        Example (the pause image for three Windows releases and two Linux architectures):
          winimg build -f examples/pause/winimg.yaml
        Then check it for your nodes:
          winimg compat oci:examples/pause/out/pause:3.10 --host ltsc2019 --host ltsc2022 --host ltsc2025
        """,
        subcommands: [BuildCommand.self, InspectCommand.self, CompatCommand.self, VersionsCommand.self,
                      InitCommand.self, SchemaCommand.self, LintCommand.self, IndexCommand.self])
}
