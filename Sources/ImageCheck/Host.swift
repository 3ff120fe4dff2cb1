import OCIModel

/// How a Windows container is isolated from its host.
public enum Isolation: String, Sendable, Codable, CaseIterable {
    /// Shares the host kernel: image and host builds must be compatible (Kubernetes only supports this).
    case process
    /// Runs in a utility VM with the image's own kernel: any image build up to the host's runs.
    case hyperv
}

/// A machine that pulls and runs an image: what containerd's default platform matcher sees
/// (`platforms.DefaultSpec()`: os, architecture, variant, `major.minor.build`) plus the isolation used.
public struct Host: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// For reports: the node name, or the `--host` text.
    public var name: String
    public var os: String
    public var architecture: String
    /// CPU variant (e.g. `v8`); nil matches any entry variant.
    public var variant: String?
    /// The Windows version; required for Windows hosts (only `major.minor.build` matters to containerd).
    public var windowsVersion: WindowsVersion?
    /// Features the host offers. containerd's default spec offers none, so the default is empty.
    public var features: [String]
    public var isolation: Isolation

    public init(name: String? = nil, os: String = "windows", architecture: String = "amd64", variant: String? = nil,
                windowsVersion: WindowsVersion? = nil, features: [String] = [], isolation: Isolation = .process) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.windowsVersion = windowsVersion
        self.features = features
        self.isolation = isolation
        self.name = name ?? Self.describe(os: os, architecture: architecture, variant: variant, version: windowsVersion)
    }

    /// A Windows amd64 host with this version.
    public static func windows(_ version: WindowsVersion, isolation: Isolation = .process, name: String? = nil) -> Host {
        Host(name: name, windowsVersion: version, isolation: isolation)
    }

    public var isWindows: Bool { os == "windows" }

    enum CodingKeys: String, CodingKey { case name, os, architecture, variant, windowsVersion, features, isolation }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(os, forKey: .os)
        try c.encode(architecture, forKey: .architecture)
        try c.encodeIfPresent(variant, forKey: .variant)
        try c.encodeIfPresent(windowsVersion?.description, forKey: .windowsVersion)
        try c.encode(features, forKey: .features)
        try c.encode(isolation, forKey: .isolation)
    }

    public var description: String { name }

    /// `windows/amd64 10.0.20348` style, for reasons.
    public var platformText: String {
        Self.describe(os: os, architecture: architecture, variant: variant, version: windowsVersion)
    }

    static func describe(os: String, architecture: String, variant: String?, version: WindowsVersion?) -> String {
        var s = "\(os)/\(architecture)"
        if let variant { s += "/\(variant)" }
        if let version { s += " \(version)" }
        return s
    }
}

extension Host {
    /// Parses a `--host` value: `10.0.20348.2700`, `20348`, `ltsc2022`, `windows/amd64:10.0.26100`,
    /// `windows/arm64:ltsc2025`, `linux/arm64/v8`. A bare version or release means windows/amd64.
    /// - Throws: `CheckError.invalidHost`.
    public init(parsing text: String, isolation: Isolation = .process) throws {
        var platformPart: Substring = "windows/amd64"
        var versionPart: Substring? = Substring(text)
        if text.contains("/") {
            if let colon = text.firstIndex(of: ":") {
                platformPart = text[..<colon]
                versionPart = text[text.index(after: colon)...]
            } else {
                platformPart = Substring(text)
                versionPart = nil
            }
        }
        let parts = platformPart.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw CheckError.invalidHost(text, reason: "the platform must be os/arch[/variant]")
        }
        let os = parts[0].lowercased()
        var version: WindowsVersion?
        if os == "windows" {
            guard let versionPart, !versionPart.isEmpty else {
                throw CheckError.invalidHost(text, reason: "a Windows host needs its version, e.g. windows/amd64:10.0.20348")
            }
            version = try Self.windowsVersion(String(versionPart), original: text)
        } else if versionPart != nil {
            throw CheckError.invalidHost(text, reason: "only Windows hosts take a version")
        }
        self.init(name: text, os: os, architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil,
                  windowsVersion: version, isolation: isolation)
    }

    /// `10.0.20348[.rev]`, a bare build, or a release name (its build, no revision).
    static func windowsVersion(_ s: String, original: String) throws -> WindowsVersion {
        if s.contains("."), let v = try? WindowsVersion(parsing: s) { return v }
        if let build = Int(s), build > 0 { return WindowsVersion(build: build) }
        if let release = WindowsRelease.named(s) { return WindowsVersion(build: release.build) }
        throw CheckError.invalidHost(original, reason: "'\(s)' is not a Windows version, build or known release")
    }
}
