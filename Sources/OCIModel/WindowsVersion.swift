/// A Windows version `major.minor.build[.revision]`, as in `os.version` (`10.0.20348.2700`).
///
/// Ordering is numeric per part (so `.1000` sorts after `.999`, unlike a string compare); a missing
/// revision sorts before any revision.
public struct WindowsVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    /// Changes with each release; decides compatibility.
    public var build: Int
    /// Changes with monthly updates; nil when not given.
    public var revision: Int?

    public init(major: Int = 10, minor: Int = 0, build: Int, revision: Int? = nil) {
        self.major = major
        self.minor = minor
        self.build = build
        self.revision = revision
    }

    /// Parses `10.0.20348` or `10.0.20348.2700`.
    /// - Throws: `OCIModelError.invalidPlatform` when it is not three or four decimal numbers.
    public init(parsing s: String) throws {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let numbers = parts.map { part in part.allSatisfy { $0.isASCII && $0.isNumber } ? Int(part) : nil }
        guard (3...4).contains(parts.count), numbers.allSatisfy({ $0 != nil }) else {
            throw OCIModelError.invalidPlatform(s, reason: "a Windows version is MAJOR.MINOR.BUILD[.REVISION], e.g. 10.0.20348 or 10.0.20348.2700")
        }
        self.init(major: numbers[0]!, minor: numbers[1]!, build: numbers[2]!, revision: parts.count == 4 ? numbers[3]! : nil)
    }

    public var description: String {
        var s = "\(major).\(minor).\(build)"
        if let revision { s += ".\(revision)" }
        return s
    }

    public static func < (a: WindowsVersion, b: WindowsVersion) -> Bool {
        (a.major, a.minor, a.build, a.revision ?? -1) < (b.major, b.minor, b.build, b.revision ?? -1)
    }
}
