/// Errors raised while parsing or validating image model values. Each case says what was wrong and,
/// where there is one, how to fix it.
public enum OCIModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDigest(String, reason: String)
    case invalidReference(String, reason: String)
    case invalidPlatform(String, reason: String)
    case unknownRelease(String)
    case invalidJSON(String)
    case invalidDocument(String)

    public var description: String {
        switch self {
        case let .invalidDigest(s, reason): return "invalid digest '\(s)': \(reason)"
        case let .invalidReference(s, reason): return "invalid image reference '\(s)': \(reason)"
        case let .invalidPlatform(s, reason): return "invalid platform '\(s)': \(reason)"
        case let .unknownRelease(s):
            // The same list and wording as `PlatformSpec`, from the release table, so they cannot drift.
            return "unknown Windows release '\(s)'; use one of \(WindowsRelease.all.map(\.name).joined(separator: ", ")), a build number (20348) or a full version (10.0.20348.2700); 'winimg versions' lists the releases"
        case let .invalidJSON(s): return "invalid JSON: \(s)"
        case let .invalidDocument(s): return s
        }
    }
}
