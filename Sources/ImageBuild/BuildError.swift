/// Errors of build planning and execution. Each names the offending input and says how to fix it.
public enum BuildError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidFlag(String, String, hint: String)
    case spec(file: String, line: Int?, message: String)
    case noPlatforms
    case noDestination
    case duplicatePlatform(String)
    case duplicateDestination(String)
    case noBase(platform: String, hint: String)
    case invalidLocation(String, reason: String)
    case baseMismatch(base: String, platform: String, reason: String)
    case baseHasNoEntry(base: String, platform: String, available: [String])
    case sourceMissing(path: String, platform: String)
    case invalidEnv(String)
    case unsupported(String)
    /// A `copy-from` source image does not have what was asked for.
    case copySource(image: String, reason: String)
    /// An archive input cannot be used (not a file, unreadable).
    case archive(path: String, reason: String)
    /// A symbolic link inside an added directory that the layer format cannot store.
    case hostLink(path: String, target: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidFlag(flag, value, hint):
            return "invalid \(flag) '\(value)': \(hint)"
        case let .spec(file, line, message):
            return "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .noPlatforms:
            return "no platforms to build; add --platform (e.g. --platform windows/amd64:ltsc2022) or 'platforms:' in the spec file"
        case .noDestination:
            return "no destination; add -t REGISTRY/REPO:TAG or -t oci:DIR[:TAG] (or 'tags:' in the spec file)"
        case let .duplicatePlatform(p):
            let why = p.hasPrefix("windows") ? " (a Windows release is one platform whatever name it is written with)" : ""
            return "platform \(p) is listed twice; each platform may appear once\(why), so drop one of them"
        case let .duplicateDestination(d):
            return "destination \(d) is listed twice; give each destination once"
        case let .noBase(platform, hint):
            return "no base image for \(platform): \(hint)"
        case let .invalidLocation(s, reason):
            return "invalid image location '\(s)': \(reason)"
        case let .baseMismatch(base, platform, reason):
            return "base \(base) cannot be used for \(platform): \(reason)"
        case let .baseHasNoEntry(base, platform, available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "base \(base) has no entry for \(platform) (entries: \(list)); pick a base published for that platform"
        case let .sourceMissing(path, platform):
            return "source file \(path) (for \(platform)) does not exist; build it first or fix the --add path"
        case let .invalidEnv(s):
            return "invalid environment entry '\(s)': write KEY=VALUE"
        case let .unsupported(s):
            return s
        case let .copySource(image, reason):
            return "copy-from \(image): \(reason)"
        case let .archive(path, reason):
            return "archive \(path): \(reason)"
        case let .hostLink(path, target, reason):
            return "symbolic link \(path) -> \(target): \(reason)"
        }
    }
}
