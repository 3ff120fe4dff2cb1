import Foundation

/// One timed contender.
struct Row: Codable {
    var name: String
    var seconds: Double
    var samples: [Double]
    var mbPerSecond: Double
    var compressedBytes: Int64
    var peakRSSKiB: Int
    /// Median user + system CPU seconds.
    var cpuSeconds: Double
    var note: String
}

/// Raw SHA-256 throughput at one update size.
struct SHARow: Codable {
    var blockBytes: Int
    var winimgMBps: Double
    var opensslMBps: Double
}

/// Everything one run measured, plus the machine, as written to `--out`.
struct Report: Codable {
    var date: String
    var machine: [String: String]
    var corpus: [String: String]
    var runs: Int
    var rows: [Row]
    var sha256: [SHARow]
    var table: String

    static func make(rows: [Row], sha: [SHARow], corpusDir: String, files: Int, bytes: Int64,
                     runs: Int, cores: Int) -> Report {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "?"
        let mem = ProcessInfo.processInfo.physicalMemory >> 20
        let date = ISO8601DateFormatter().string(from: Date())
        return Report(date: date,
                      machine: ["cores": "\(cores)", "cpu": cpu, "memoryMiB": "\(mem)"],
                      corpus: ["dir": corpusDir, "files": "\(files)", "bytes": "\(bytes)"],
                      runs: runs, rows: rows, sha256: sha, table: table(rows))
    }

    /// Markdown table: throughput, the best winimg run's ratio against each row, size vs gzip -6.
    static func table(_ rows: [Row]) -> String {
        let best = rows.filter { $0.name.hasPrefix("winimg") }.min { $0.seconds < $1.seconds }
        let gzip = rows.first { $0.name.hasPrefix("tar | gzip") }
        var t = "| contender | median s | MB/s | CPU s | best winimg speed-up | compressed bytes | size vs gzip -6 | peak RSS MiB |\n"
        t += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            let ratio = best.map { String(format: "%.2f×", r.seconds / $0.seconds) } ?? "-"
            let size = r.compressedBytes > 0 ? "\(r.compressedBytes)" : "-"
            let vs = (gzip.map { g in r.compressedBytes > 0 && g.compressedBytes > 0
                ? String(format: "%+.2f %%", 100 * (Double(r.compressedBytes) / Double(g.compressedBytes) - 1)) : "-" }) ?? "-"
            t += String(format: "| %@ | %.3f | %.1f | %.2f | %@ | %@ | %@ | %.1f |\n", r.name as NSString, r.seconds,
                        r.mbPerSecond, r.cpuSeconds, ratio as NSString, size as NSString, vs as NSString, Double(r.peakRSSKiB) / 1024)
        }
        return t
    }
}
