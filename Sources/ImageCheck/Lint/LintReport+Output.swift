import Foundation

extension LintReport {
    /// One block per finding — severity, id, name, the entry, the message, the fix — then totals.
    public func text() -> String {
        var lines = ["\(image) (\(digest), \(entries) entr\(entries == 1 ? "y" : "ies"))"]
        if !required.isEmpty { lines.append("required releases: \(required.joined(separator: ", "))") }
        for f in findings {
            lines.append("")
            let subject = f.subject.map { " \($0)" } ?? " (index)"
            lines.append("\(f.severity.rawValue) \(f.id) \(f.name):\(subject)")
            lines.append("  \(f.message)")
            lines.append("  fix: \(f.fix)")
        }
        lines.append("")
        let layers = layersChecked ? "" : " (layer contents not checked; add --layers)"
        lines.append("\(count(.error)) error(s), \(count(.warning)) warning(s), \(count(.info)) info\(layers)")
        return lines.joined(separator: "\n")
    }

    /// Short summary for the end of `winimg build`: one line per finding.
    public func summary() -> String {
        var lines = findings.map { f in
            "lint: \(f.severity.rawValue) \(f.id) \(f.name)\(f.subject.map { " \($0)" } ?? ""): \(f.message)"
        }
        lines.append("lint: \(count(.error)) error(s), \(count(.warning)) warning(s), \(count(.info)) info (winimg lint \(image) for fixes)")
        return lines.joined(separator: "\n")
    }
}

extension LintRule {
    /// The catalogue as a table for `winimg lint --list-rules`.
    public static func catalogueText() -> String {
        var lines: [String] = []
        for r in all {
            lines.append("\(r.id)  \(r.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(r.name)\(r.needsLayers ? " (--layers)" : "")")
            lines.append("       \(r.title)")
            lines.append("       fix: \(r.fix)")
        }
        return lines.joined(separator: "\n")
    }
}
