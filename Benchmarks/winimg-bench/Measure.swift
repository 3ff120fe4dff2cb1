import Foundation

/// Timing helpers: monotonic clock, medians, and running shell pipelines as timed children.
enum Measure {
    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    /// Runs `bash -c script` under `/usr/bin/time` (for the peak RSS of its largest process) and
    /// returns wall seconds, that peak in KiB, CPU seconds (user + system: robust when other work shares
    /// the cores), and stdout. Exits the benchmark when it fails:
    /// a number from a failed run would be meaningless.
    /// With `exitOnFailure: false` a failed command is returned (see `status`) so the caller can
    /// clean up (stop its registry) first.
    static func shell(_ script: String, exitOnFailure: Bool = true)
        -> (seconds: Double, peakKiB: Int, cpuSeconds: Double, stdout: String, status: Int32) {
        let rssFile = NSTemporaryDirectory() + "winimg-bench-rss-\(getpid())"
        let outFile = NSTemporaryDirectory() + "winimg-bench-out-\(getpid())"
        defer { unlink(rssFile); unlink(outFile) }
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        p.arguments = ["-f", "%M %U %S", "-o", rssFile, "/bin/bash", "-c", "set -o pipefail; " + script]
        p.standardOutput = FileHandle(forWritingAtPath: outFile)
        let start = now()
        do { try p.run() } catch { fatal("cannot run /usr/bin/time (apt-get install -y time): \(error)") }
        p.waitUntilExit()
        let seconds = now() - start
        if exitOnFailure, p.terminationStatus != 0 { fatal("command failed (\(p.terminationStatus)): \(script)") }
        // "%M %U %S": peak RSS KiB, user and system CPU seconds of the whole pipeline.
        let f = ((try? String(contentsOfFile: rssFile, encoding: .utf8))?
            .split(separator: "\n").last ?? "").split(separator: " ").map(String.init)
        let rss = f.count == 3 ? Int(f[0]) ?? 0 : 0
        let cpu = f.count == 3 ? (Double(f[1]) ?? 0) + (Double(f[2]) ?? 0) : 0
        let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        return (seconds, rss, cpu, out, p.terminationStatus)
    }

    /// One timed run of a shell script.
    struct Sample {
        var seconds: Double
        var peakKiB: Int
        var cpuSeconds: Double
        var stdout: String
        var status: Int32
    }

    /// `shell` as a `Sample`; a failure is returned, not fatal.
    static func timed(_ script: String) -> Sample {
        let r = shell(script, exitOnFailure: false)
        return Sample(seconds: r.seconds, peakKiB: r.peakKiB, cpuSeconds: r.cpuSeconds, stdout: r.stdout, status: r.status)
    }

    /// This process's peak resident set size (VmHWM) in KiB.
    static func peakRSSKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

func fatal(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("winimg-bench: " + message + "\n").utf8))
    exit(1)
}
