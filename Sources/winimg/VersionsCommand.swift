import ArgumentParser
import Foundation
import OCIModel

struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the Windows releases winimg knows: name, aliases, build, channel, end of support.",
        discussion: "Example: winimg versions --format json")

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        if format == .json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(WindowsRelease.all), as: UTF8.self))
            return
        }
        print("NAME      BUILD  CHANNEL  END OF SUPPORT  ALIASES")
        for r in WindowsRelease.all {
            let name = r.name.padding(toLength: 9, withPad: " ", startingAt: 0)
            let channel = r.channel.padding(toLength: 8, withPad: " ", startingAt: 0)
            let eos = (r.endOfSupport ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0)
            print("\(name) \(r.build)  \(channel) \(eos)  \(r.aliases.joined(separator: ", "))")
        }
    }
}
