import Foundation
import OCIModel

/// Hosts from `kubectl get nodes -o json` (a `List` of `Node`s, or one `Node`).
///
/// A node's OS and architecture come from the labels `kubernetes.io/os` and `kubernetes.io/arch`
/// (falling back to `status.nodeInfo.operatingSystem/architecture`); a Windows node's build from the
/// kubelet's label `node.kubernetes.io/windows-build` (`10.0.17763`, no revision), else from
/// `status.nodeInfo.kernelVersion` (`10.0.17763.6414` on Windows), else from the Windows Server year in
/// `status.nodeInfo.osImage`. The revision is taken from `kernelVersion` when it names the same build.
public enum KubernetesNodes {
    public static let windowsBuildLabel = "node.kubernetes.io/windows-build"
    public static let osLabel = "kubernetes.io/os"
    public static let archLabel = "kubernetes.io/arch"

    /// Reads and parses a nodes file.
    /// - Throws: `CheckError.invalidNodes` or `.nodeWithoutBuild`.
    public static func hosts(file: String, isolation: Isolation = .process) throws -> [Host] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CheckError.invalidNodes(file: file, reason: "the file does not exist or cannot be read")
        }
        return try hosts(data: data, file: file, isolation: isolation)
    }

    /// Parses nodes JSON; `file` names it in errors.
    public static func hosts(data: Data, file: String = "nodes.json", isolation: Isolation = .process) throws -> [Host] {
        let root: JSONValue
        do { root = try JSONValue(parsing: data) } catch {
            throw CheckError.invalidNodes(file: file, reason: "invalid JSON (\(error))")
        }
        let items: [JSONValue]
        if root["kind"]?.stringValue == "Node" {
            items = [root]
        } else if let list = root["items"]?.arrayValue {
            items = list
        } else {
            throw CheckError.invalidNodes(file: file, reason: "expected an object with an \"items\" array of nodes")
        }
        return try items.enumerated().map { try host($1, position: $0, file: file, isolation: isolation) }
    }

    static func host(_ node: JSONValue, position: Int, file: String, isolation: Isolation) throws -> Host {
        guard let name = node["metadata"]?["name"]?.stringValue else {
            throw CheckError.invalidNodes(file: file, reason: "items[\(position)] has no metadata.name")
        }
        let labels = node["metadata"]?["labels"]
        let info = node["status"]?["nodeInfo"]
        func label(_ key: String) -> String? { labels?[key]?.stringValue }
        guard let os = (label(osLabel) ?? label("beta.kubernetes.io/os") ?? info?["operatingSystem"]?.stringValue)?.lowercased(),
              let arch = label(archLabel) ?? label("beta.kubernetes.io/arch") ?? info?["architecture"]?.stringValue else {
            throw CheckError.invalidNodes(file: file, reason: "node \(name) has neither the \(osLabel)/\(archLabel) labels nor status.nodeInfo.operatingSystem/architecture")
        }
        guard os == "windows" else { return Host(name: name, os: os, architecture: arch, isolation: isolation) }

        let kernel = info?["kernelVersion"]?.stringValue.flatMap { try? WindowsVersion(parsing: $0) }
        var version: WindowsVersion
        if let text = label(windowsBuildLabel), let v = try? WindowsVersion(parsing: text) {
            version = v
        } else if let kernel {
            version = kernel
        } else if let image = info?["osImage"]?.stringValue, let build = buildFromOSImage(image) {
            version = WindowsVersion(build: build)
        } else {
            throw CheckError.nodeWithoutBuild(node: name)
        }
        if version.revision == nil, let kernel, (kernel.major, kernel.minor, kernel.build) == (version.major, version.minor, version.build) {
            version.revision = kernel.revision
        }
        return Host(name: name, os: os, architecture: arch, windowsVersion: version, isolation: isolation)
    }

    /// `Windows Server 2022 Datacenter` → 20348. Only LTSC years are unambiguous; SAC images are named
    /// `Windows Server Datacenter` with no version.
    static func buildFromOSImage(_ osImage: String) -> Int? {
        let years = [("2016", 14393), ("2019", 17763), ("2022", 20348), ("2025", 26100)]
        guard osImage.contains("Windows Server") else { return nil }
        return years.first { osImage.contains($0.0) }?.1
    }
}
