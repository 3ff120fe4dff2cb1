/// Errors of `winimg lint` itself (not findings). Each names the input and the fix.
public enum LintError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `--require` value that is no Windows release.
    case unknownRelease(String)
    /// A layer could not be downloaded for `--layers`.
    case layerUnavailable(digest: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownRelease(name):
            return name.isEmpty
                ? "--require has an empty release name; write releases separated by commas, e.g. --require ltsc2019,ltsc2022,ltsc2025"
                : "unknown Windows release '\(name)' in --require; write a release (ltsc2022), alias (2022) or build (20348) — see winimg versions"
        case let .layerUnavailable(digest, reason):
            return "cannot read layer \(digest) for --layers: \(reason); check access to the registry or lint without --layers"
        }
    }
}
