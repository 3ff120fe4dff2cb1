/// How bad a lint finding is.
public enum LintSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Pulls or runs fail somewhere.
    case error
    /// Works today but is fragile, or breaks some tools.
    case warning
    /// Worth knowing; nothing to fix now.
    case info

    private var rank: Int { self == .error ? 2 : self == .warning ? 1 : 0 }

    public static func < (a: LintSeverity, b: LintSeverity) -> Bool { a.rank < b.rank }
}

/// One check `winimg lint` makes. Ids (`WI001` …) are stable: scripts and docs refer to them, and a
/// retired id is never reused.
public struct LintRule: Sendable, Hashable, Codable {
    /// Stable identifier, `WI` and three digits.
    public var id: String
    /// Short kebab-case name, e.g. `missing-os-version`.
    public var name: String
    public var severity: LintSeverity
    /// What the rule looks for, one line.
    public var title: String
    /// How to fix a finding of this rule.
    public var fix: String
    /// True when the rule reads layer contents (`winimg lint --layers`).
    public var needsLayers: Bool

    public init(id: String, name: String, severity: LintSeverity, title: String, fix: String, needsLayers: Bool = false) {
        self.id = id
        self.name = name
        self.severity = severity
        self.title = title
        self.fix = fix
        self.needsLayers = needsLayers
    }
}
