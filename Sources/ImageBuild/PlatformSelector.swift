import OCIModel

/// Selects platforms in `bases:` keys and `only:` filters: `os[/arch[/variant]][:release]`,
/// e.g. `windows`, `windows:ltsc2022`, `linux/arm64`, `windows/amd64:20348`.
public struct PlatformSelector: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String?
    public var variant: String?
    public var windowsBuild: Int?
    public let text: String

    public init(parsing text: String) throws {
        self.text = text
        var head = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            head = text[..<colon]
            let rel = String(text[text.index(after: colon)...])
            guard let release = WindowsRelease.named(rel) else { throw OCIModelError.unknownRelease(rel) }
            windowsBuild = release.build
        }
        let parts = head.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw BuildError.invalidFlag("platform selector", text, hint: "write os[/arch[/variant]][:release], e.g. windows:ltsc2022 or linux/arm64")
        }
        guard ["windows", "linux"].contains(parts[0]) else {
            throw BuildError.invalidFlag("platform selector", text, hint: "the OS must be windows or linux")
        }
        if windowsBuild != nil, parts[0] != "windows" {
            throw BuildError.invalidFlag("platform selector", text, hint: "only Windows platforms have a release")
        }
        os = parts[0]
        architecture = parts.count > 1 ? parts[1] : nil
        variant = parts.count > 2 ? parts[2] : nil
    }

    /// True when every part the selector names equals the platform's.
    public func matches(_ p: PlatformSpec) -> Bool {
        guard os == p.os else { return false }
        if let architecture, architecture != p.architecture { return false }
        if let variant, variant != p.variant { return false }
        if let windowsBuild, windowsBuild != p.windowsBuild { return false }
        return true
    }

    /// How specific the selector is; the most specific matching base wins.
    public var specificity: Int {
        (windowsBuild != nil ? 4 : 0) + (architecture != nil ? 2 : 0) + (variant != nil ? 1 : 0)
    }

    public var description: String { text }
}
