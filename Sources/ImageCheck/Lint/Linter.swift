import Foundation
import OCIModel

/// What to hold an image to, beyond the fixed rules.
public struct LintOptions: Sendable {
    /// Windows releases that must each have an entry (`--require`).
    public var required: [WindowsRelease]
    /// The day support dates are compared with (UTC); a parameter so results do not depend on the clock in tests.
    public var now: Date

    public init(required: [WindowsRelease] = [], now: Date = Date()) {
        self.required = required
        self.now = now
    }

    /// Parses `--require` values: comma-separated release names, aliases, builds or versions
    /// (`ltsc2019,2022,26100`); repeated values are merged, order kept.
    /// - Throws: `LintError.unknownRelease` naming the value.
    public static func releases(_ values: [String]) throws -> [WindowsRelease] {
        var out: [WindowsRelease] = []
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let name = part.trimmingCharacters(in: .whitespaces)
                guard let release = WindowsRelease.named(name) else { throw LintError.unknownRelease(name) }
                if !out.contains(release) { out.append(release) }
            }
        }
        return out
    }
}

/// Runs the lint rules over a `LintSubject`. Layer contents are checked separately
/// (`checkLayers`), because they must be downloaded.
public struct Linter: Sendable {
    public var options: LintOptions

    public init(options: LintOptions = LintOptions()) {
        self.options = options
    }

    /// Findings of every rule that needs no layer contents, ordered by entry (index-wide findings
    /// first) and then by rule id.
    public func findings(_ subject: LintSubject) -> [LintFinding] {
        var out: [LintFinding] = []
        out += indexFindings(subject)
        for e in subject.entries {
            out += platformFindings(e, inIndex: subject.isIndex)
            out += configFindings(e)
            out += releaseFindings(e)
        }
        return Self.ordered(out)
    }

    static func ordered(_ findings: [LintFinding]) -> [LintFinding] {
        findings.enumerated().sorted { a, b in
            let ea = a.element.entry ?? -1, eb = b.element.entry ?? -1
            if ea != eb { return ea < eb }
            if a.element.id != b.element.id { return a.element.id < b.element.id }
            return a.offset < b.offset
        }.map(\.element)
    }
}
