import ArgumentParser
import Foundation
import ImageCheck

struct CompatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compat",
        abstract: "Tell which index entry containerd pulls on each Windows or Linux host, and whether it runs there.",
        discussion: """
        Hosts come from --host (repeatable) and from a Kubernetes node list (--nodes). For each host the \
        report lists every entry as accepted or rejected with the reason, the entry containerd picks \
        (greatest os.version string among compatible ones), and the verdict. See docs/compat.md.

        Exit status: 0 when every host runs the image, 3 when at least one does not (or its image build \
        cannot be told), 1 on errors (bad flags, unreachable registry, missing image).

        Examples:
          winimg compat registry.example.com/pause:3.10 --host 10.0.17763.6414 --host ltsc2022 --host 10.0.26100
          kubectl get nodes -o json > nodes.json && winimg compat oci:examples/pause/out/pause:3.10 --nodes nodes.json
          winimg compat oci:out/app:v1 --host 10.0.26100 --isolation hyperv --format json
        """)

    @Argument(help: "Image: REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or oci:DIR[:TAG].")
    var image: String

    @Option(name: .customLong("host"), help: "Host: a Windows version (10.0.20348.2700), build (20348), release (ltsc2022) or os/arch[:version] (windows/arm64:26100, linux/arm64). Repeatable.")
    var hosts: [String] = []

    @Option(help: "Output of 'kubectl get nodes -o json'; every node becomes a host.")
    var nodes: String?

    @Option(help: "Isolation for Windows hosts: process (Kubernetes' only mode) or hyperv.")
    var isolation: Isolation = .process

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Registry access")
    var registry: RegistryFlags

    func run() async throws {
        let report: CompatReport
        do {
            var targets = try hosts.map { try Host(parsing: $0, isolation: isolation) }
            if let nodes { targets += try KubernetesNodes.hosts(file: nodes, isolation: isolation) }
            guard !targets.isEmpty else { throw CheckError.noHosts }
            let inspection = try await ImageFetch.inspect(image, registry: registry)
            report = CompatReport(image: image, digest: inspection.digest, candidates: inspection.candidates, hosts: targets)
            print(format == .json ? try checkJSONText(report) : report.text())
        } catch {
            throw ImageFetch.fail(error)
        }
        if !report.allRun { throw ExitCode(3) }
    }
}
