import Foundation

/// Command-line options of winimg-bench.
struct Options {
    /// Which suites to run, in order: p1 (layer build), p2 (build + push), p3 (memory).
    var suites: [String] = ["p1"]
    /// Runs per contender; the median is reported.
    var runs = 3
    /// Results JSON. With several suites, each writes `<out>.<suite>.json`.
    var out: String?
    /// P1's corpus directory.
    var corpus = NSTemporaryDirectory() + "winimg-bench-corpus"
    /// Generated P2/P3 inputs (bases, binaries, the 1 GiB file); reused across runs when complete.
    var data = NSTemporaryDirectory() + "winimg-bench-data"
    /// The winimg executable run by P2/P3: by default the one next to winimg-bench (same build).
    var winimg: String
    /// Uncompressed MiB of each generated Windows base layer (P2); the gzip of it is slightly
    /// smaller, ≥ 100 MB at the default.
    var baseMiB = 112
    /// Size of P3's generated file in MiB.
    var bigMiB = 1024
    /// Size of P4's application payload in MiB (added to every platform).
    var appMiB = 128
    /// `--concurrency` passed to winimg (nil: its default).
    var concurrency: Int?
    /// Contenders to skip, by name prefix (e.g. `--skip peer`), for quick iterations.
    var skip: [String] = []

    static let allSuites = ["p1", "p2", "p3", "p4"]

    static let usage = """
        winimg-bench [--suite p1|p2|p3|p4|all] [--runs N] [--out FILE.json] [--corpus DIR] [--data DIR]
                     [--winimg PATH] [--base-mib N] [--big-mib N] [--app-mib N] [--concurrency N] [--skip PREFIX]
        """

    init(_ args: [String]) {
        winimg = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("winimg").path
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fatal("\(args[i - 1]) needs a value\n\(Options.usage)") }
            return args[i]
        }
        func number(_ s: String) -> Int {
            guard let n = Int(s), n > 0 else { fatal("not a positive number: \(s)") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--suite":
                let v = value()
                suites = v == "all" ? Options.allSuites : v.split(separator: ",").map(String.init)
                for s in suites where !Options.allSuites.contains(s) { fatal("unknown suite \(s)\n\(Options.usage)") }
            case "--runs": runs = number(value())
            case "--out": out = value()
            case "--corpus": corpus = value()
            case "--data": data = value()
            case "--winimg": winimg = value()
            case "--base-mib": baseMiB = number(value())
            case "--big-mib": bigMiB = number(value())
            case "--app-mib": appMiB = number(value())
            case "--concurrency": concurrency = number(value())
            case "--skip": skip.append(value())
            case "-h", "--help": print(Options.usage); exit(0)
            default: fatal("unknown argument \(args[i])\n\(Options.usage)")
            }
            i += 1
        }
    }

    /// The results file of `suite`.
    func out(for suite: String) -> String? {
        guard let out else { return nil }
        guard suites.count > 1 else { return out }
        return (out as NSString).deletingPathExtension + ".\(suite).json"
    }

    func skips(_ contender: String) -> Bool { skip.contains { contender.hasPrefix($0) } }
}
