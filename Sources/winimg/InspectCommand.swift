import ArgumentParser
import Foundation
import ImageCheck

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image index (or manifest) entry by entry: platform, os.version, os.features, digests, layers, foreign layers.",
        discussion: """
        Entry and config platforms are compared; disagreements and a missing os.version are flagged with '!'.

        Examples:
          winimg inspect registry.example.com/pause:3.10
          winimg inspect oci:examples/pause/out/pause:3.10 --format json
        """)

    @Argument(help: "Image: REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or oci:DIR[:TAG].")
    var image: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Registry access")
    var registry: RegistryFlags

    func run() async throws {
        do {
            let inspection = try await ImageFetch.inspect(image, registry: registry)
            print(format == .json ? try checkJSONText(inspection) : inspection.text())
        } catch {
            throw ImageFetch.fail(error)
        }
    }
}
