import OCIModel

/// Expands `{os}`, `{arch}`, `{variant}`, `{exe}`, `{release}` and `{build}` in user strings.
///
/// One spec describes every platform; these placeholders pick the per-platform file
/// (`bin/{os}/{arch}/pause{exe}`) or name (`/pause{exe}`).
public struct TemplateContext: Sendable, Hashable {
    public var os: String
    public var arch: String
    public var variant: String?
    public var release: WindowsRelease?
    public var build: Int?

    public init(platform: PlatformSpec) {
        os = platform.os
        arch = platform.architecture
        variant = platform.variant
        release = platform.release
        build = platform.windowsBuild
    }

    public static let placeholders = ["os", "arch", "variant", "exe", "release", "build"]

    /// Replaces every known `{name}`; an unknown one is an error so typos do not reach the image.
    public func expand(_ s: String, field: String) throws -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw BuildError.invalidFlag(field, s, hint: "unclosed '{'; placeholders are {\(Self.placeholders.joined(separator: "}, {"))}")
            }
            let name = String(rest[rest.index(after: open)..<close])
            switch name {
            case "os": out += os
            case "arch": out += arch
            case "variant": out += variant ?? ""
            case "exe": out += os == "windows" ? ".exe" : ""
            case "release": out += release?.name ?? build.map(String.init) ?? ""
            case "build": out += build.map(String.init) ?? ""
            default:
                throw BuildError.invalidFlag(field, s, hint: "unknown placeholder {\(name)}; known: {\(Self.placeholders.joined(separator: "}, {"))}")
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
