import Foundation
import OCIModel

/// Pretty JSON with sorted keys: stable output for scripts and tests.
public func checkJSONText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

extension Verdict.Outcome {
    /// Upper-case word for text reports.
    public var word: String {
        switch self {
        case .runs: return "RUNS"
        case .doesNotRun: return "DOES NOT RUN"
        case .unknown: return "UNKNOWN"
        }
    }
}

extension CompatReport {
    /// One block per host: the verdict, its reason, then every entry accepted (✓) or rejected (✗).
    public func text() -> String {
        var lines = ["image \(image)" + (digest.map { " (\($0))" } ?? "")]
        for v in verdicts {
            let isolation = v.host.isWindows ? ", \(v.host.isolation.rawValue) isolation" : ""
            lines.append("")
            lines.append("\(v.host.name) (\(v.host.platformText)\(isolation)): \(v.outcome.word)")
            lines.append("  \(v.reason)")
            for d in v.selection.decisions {
                let rank = v.selection.order.firstIndex(of: d.position).map { " [choice \($0 + 1)]" } ?? ""
                lines.append("    \(d.accepted ? "✓" : "✗") \(d.label)\(rank): \(d.reason)")
            }
        }
        let running = verdicts.filter(\.runs).count
        lines.append("")
        lines.append("\(running) of \(verdicts.count) host(s) run the image")
        return lines.joined(separator: "\n")
    }
}

extension Inspection {
    /// A tree: the top document, then each image with its manifest, config, layers and problems.
    public func text() -> String {
        var lines = [reference]
        let kind = isIndex ? "index" : "manifest"
        lines.append("\(kind) \(digest) (\(mediaType)\(isIndex ? ", \(images.count) entries" : ""))")
        for (n, image) in images.enumerated() {
            let last = n == images.count - 1
            let branch = last ? "└─ " : "├─ ", stem = last ? "   " : "│  "
            let title = image.position.map { "#\($0) " } ?? ""
            lines.append(branch + title + Self.platformText(image.entryPlatform ?? image.configPlatform))
            lines.append(stem + "manifest \(image.manifestDigest) (\(image.manifestSize) bytes, \(image.manifestMediaType))")
            if let note = image.note { lines.append(stem + "note: \(note)") }
            if let config = image.configDigest {
                lines.append(stem + "config   \(config): \(Self.platformText(image.configPlatform))")
            }
            if image.configDigest != nil {
                lines.append(stem + "layers   \(image.layerCount), \(image.totalLayerSize) bytes (\(Self.human(image.totalLayerSize)))")
            }
            for f in image.foreignLayers {
                let urls = f.urls.isEmpty ? "no urls" : f.urls.joined(separator: " ")
                lines.append(stem + "foreign  \(f.digest) (\(f.size) bytes) ← \(urls)")
            }
            for p in image.problems { lines.append(stem + "! \(p)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `windows/amd64 os.version 10.0.20348.2762 os.features win32k`.
    static func platformText(_ p: Platform?) -> String {
        guard let p else { return "(no platform)" }
        var s = p.osArchVariant
        if let v = p.osVersion { s += " os.version \(v)" }
        if let f = p.osFeatures, !f.isEmpty { s += " os.features \(f.joined(separator: ","))" }
        return s
    }

    static func human(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(n), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
