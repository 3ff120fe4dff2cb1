/// One problem `winimg lint` found.
public struct LintFinding: Sendable, Hashable, Codable {
    /// The rule's stable id, e.g. `WI001`.
    public var id: String
    /// The rule's name, e.g. `missing-os-version`.
    public var name: String
    public var severity: LintSeverity
    /// Position of the index entry it concerns; nil for the whole index or a lone manifest.
    public var entry: Int?
    /// `#1 windows/amd64 os.version 10.0.20348.2762`, or nil for the whole index.
    public var subject: String?
    /// What is wrong, with the values found.
    public var message: String
    /// How to fix it.
    public var fix: String

    public init(rule: LintRule, entry: Int? = nil, subject: String? = nil, message: String) {
        id = rule.id
        name = rule.name
        severity = rule.severity
        self.entry = entry
        self.subject = subject
        self.message = message
        fix = rule.fix
    }

    /// A finding about one entry.
    init(_ rule: LintRule, _ e: LintEntry, _ message: String) {
        self.init(rule: rule, entry: e.image.position, subject: e.label, message: message)
    }
}
