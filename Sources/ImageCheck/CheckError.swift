/// Errors of `compat` and `inspect`. Each names the offending input and says how to fix it.
public enum CheckError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `--host` value that is not a Windows version, release or `os/arch[:version]`.
    case invalidHost(String, reason: String)
    /// A nodes file that is not `kubectl get nodes -o json` output.
    case invalidNodes(file: String, reason: String)
    /// A Windows node whose build cannot be found in its labels or node info.
    case nodeWithoutBuild(node: String)
    /// The reference names something that is neither an index nor an image manifest.
    case unsupportedDocument(String, mediaType: String)
    /// Nothing to check against.
    case noHosts

    public var description: String {
        switch self {
        case let .invalidHost(s, reason):
            return "invalid host '\(s)': \(reason); write a Windows version (10.0.20348.2700), a build (20348), a release (ltsc2022) or os/arch[:version] (windows/amd64:10.0.26100, linux/arm64)"
        case let .invalidNodes(file, reason):
            return "\(file) is not a node list: \(reason); create it with 'kubectl get nodes -o json > \(file)'"
        case let .nodeWithoutBuild(node):
            return "Windows node \(node) has no label node.kubernetes.io/windows-build and its status.nodeInfo names no known build; label it (kubectl label node \(node) node.kubernetes.io/windows-build=10.0.20348) or pass --host instead"
        case let .unsupportedDocument(ref, mediaType) where ref == "scratch":
            return "scratch is the empty image (\(mediaType.isEmpty ? "nothing to inspect" : mediaType)), not an image index or image manifest; give a reference to an image"
        case let .unsupportedDocument(ref, mediaType):
            return "\(ref) is a \(mediaType.isEmpty ? "document without a media type" : mediaType), not an image index or image manifest; give a reference to an image"
        case .noHosts:
            return "no hosts to check; give --host (e.g. --host 10.0.20348.2700) or --nodes nodes.json"
        }
    }
}
