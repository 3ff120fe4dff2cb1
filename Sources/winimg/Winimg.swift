import ArgumentParser

@main
struct Winimg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winimg",
        abstract: "Build multi-release Windows and Linux container images on Linux, without a container runtime.",
        discussion: """
        Example (the pause image for three Windows releases and two Linux architectures):
          winimg build -f examples/pause/winimg.yaml
        """,
        subcommands: [BuildCommand.self, VersionsCommand.self])
}
