/// A Windows Server release that has container base images, with the build number images of that
/// release carry in `os.version` (`10.0.<build>.<revision>`).
public struct WindowsRelease: Sendable, Hashable, Codable {
    /// The name users write and tags use, e.g. `ltsc2022`, `1809`… (the canonical form for output).
    public var name: String
    /// Other accepted spellings, e.g. `2022`, `20348`; matched case-insensitively.
    public var aliases: [String]
    /// The build number, the third part of `os.version`.
    public var build: Int
    /// `LTSC`, `SAC` (semi-annual channel, retired) or `Annual` (annual channel).
    public var channel: String
    /// End of mainstream support, `yyyy-mm-dd`, where the research notes give one; nil when unknown.
    public var endOfSupport: String?
    /// The tag of `mcr.microsoft.com/windows/nanoserver` (and usually servercore) for this release.
    public var nanoserverTag: String

    public init(name: String, aliases: [String], build: Int, channel: String, endOfSupport: String?, nanoserverTag: String) {
        self.name = name
        self.aliases = aliases
        self.build = build
        self.channel = channel
        self.endOfSupport = endOfSupport
        self.nanoserverTag = nanoserverTag
    }
}

extension WindowsRelease {
    /// Every release with container images, oldest first (windows-format.md §3.1; hcsshim `osversion`,
    /// Microsoft base-image lifecycle). Client-only builds (Windows 10/11) are not listed: no base images.
    public static let all: [WindowsRelease] = [
        // Nano Server for 2016 only shipped on the semi-annual channel, tagged sac2016.
        WindowsRelease(name: "ltsc2016", aliases: ["2016", "1607", "14393"], build: 14393, channel: "LTSC",
                       endOfSupport: nil, nanoserverTag: "sac2016"),
        WindowsRelease(name: "ltsc2019", aliases: ["2019", "1809", "17763"], build: 17763, channel: "LTSC",
                       endOfSupport: nil, nanoserverTag: "1809"),
        WindowsRelease(name: "1903", aliases: ["19h1", "18362"], build: 18362, channel: "SAC",
                       endOfSupport: "2020-12-08", nanoserverTag: "1903"),
        WindowsRelease(name: "1909", aliases: ["19h2", "18363"], build: 18363, channel: "SAC",
                       endOfSupport: "2021-05-11", nanoserverTag: "1909"),
        WindowsRelease(name: "2004", aliases: ["20h1", "19041"], build: 19041, channel: "SAC",
                       endOfSupport: "2021-12-14", nanoserverTag: "2004"),
        WindowsRelease(name: "20H2", aliases: ["19042"], build: 19042, channel: "SAC",
                       endOfSupport: "2022-08-09", nanoserverTag: "20H2"),
        WindowsRelease(name: "ltsc2022", aliases: ["2022", "20348"], build: 20348, channel: "LTSC",
                       endOfSupport: "2026-10-13", nanoserverTag: "ltsc2022"),
        WindowsRelease(name: "23H2", aliases: ["25398"], build: 25398, channel: "Annual",
                       endOfSupport: nil, nanoserverTag: "23H2"),
        WindowsRelease(name: "ltsc2025", aliases: ["2025", "26100"], build: 26100, channel: "LTSC",
                       endOfSupport: "2029-10-09", nanoserverTag: "ltsc2025"),
    ]

    /// The release for a name, alias, build (`20348`) or version (`10.0.20348`, `10.0.20348.2700`),
    /// ignoring case; nil when unknown.
    public static func named(_ s: String) -> WindowsRelease? {
        let key = s.lowercased()
        if let release = all.first(where: { $0.name.lowercased() == key || $0.aliases.contains { $0.lowercased() == key } }) {
            return release
        }
        if let build = Int(key) { return forBuild(build) }
        if let version = try? WindowsVersion(parsing: key), version.major == 10, version.minor == 0 {
            return forBuild(version.build)
        }
        return nil
    }

    /// The release with exactly this build number.
    public static func forBuild(_ b: Int) -> WindowsRelease? { all.first { $0.build == b } }
}
