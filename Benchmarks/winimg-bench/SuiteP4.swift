import Foundation

/// P4: no-op rebuild. The pause-like image (3 Windows releases + linux/amd64 + linux/arm64, bases
/// already in the registry under `bases/nanoserver`) plus an application payload of `--app-mib` MiB
/// on every platform is pushed once with an empty layer cache, then rebuilt unchanged:
/// - first push: every new layer tarred, compressed and uploaded (the bases are mounted);
/// - no-op rebuild: the same command again, layer cache warm; the target is met by
///   "≤ 10 % of the first push and 0 blob bytes uploaded";
/// - no-op rebuild, --no-cache: for comparison, what the rebuild costs when every layer is built
///   again (still nothing uploaded: the registry has it all).
/// Each run uses a fresh registry and a fresh cache directory; times include process start.
enum SuiteP4 {
    static let repository = "app"
    static let tag = "1.0"

    static func run(_ options: Options) async throws {
        let inputs = try Bases.prepareP2(in: options.data, baseMiB: options.baseMiB)
        let payload = try Bases.prepareBig(in: options.data, mib: options.appMiB)
        let baseDigests = Set(inputs.bases.map(\.layerDigest.description))
        print("P4: payload \(options.appMiB) MiB on 5 platforms (3 distinct layers), bases in the registry;"
              + " winimg \(options.winimg); \(options.runs) runs, median")
        guard FileManager.default.isExecutableFile(atPath: options.winimg) else {
            fatal("no winimg at \(options.winimg): swift build -c release --product winimg, or pass --winimg PATH")
        }
        _ = Measure.shell("cat '\(payload)' '\(inputs.bin)'/*/*/* > /dev/null")
        let work = NSTemporaryDirectory() + "winimg-bench-p4-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }

        let scenarios = ["first push", "no-op rebuild", "no-op rebuild, --no-cache"]
        var samples: [String: [(Measure.Sample, TransferCounts)]] = [:]
        for run in 0..<options.runs {
            let registry = try await BenchRegistry.start()
            for base in inputs.bases {
                await registry.seed(layout: base.layout, tag: base.release.name, to: "bases/nanoserver:\(base.release.name)")
            }
            let cache = "\(work)/cache-\(run)"
            for scenario in scenarios {
                registry.proxy.reset()
                let command = winimgCommand(options, inputs: inputs, payload: payload, host: registry.host, cache: cache,
                                            noCache: scenario.hasSuffix("--no-cache"))
                let sample = Measure.timed(command)
                await registry.check(sample.status == 0, "\(scenario) failed (\(sample.status)): \(command)\n\(sample.stdout)")
                try await Task.sleep(for: .milliseconds(200))
                let counts = TransferCounts(registry.proxy.requests)
                await registry.check(SuiteP2.isIndex(registry: registry, platforms: 5, reference: "\(repository):\(tag)"),
                                     "\(repository):\(tag) is not an index of 5 images after \(scenario)")
                if scenario != "first push" {
                    await registry.check(sample.stdout.contains("\"upToDate\""), "\(scenario): no upToDate in the result")
                }
                samples[scenario, default: []].append((sample, counts))
            }
            await registry.stop()
        }

        let rows = scenarios.map { SuiteP2.makeRow(contender: "winimg", scenario: $0, samples: samples[$0]!, baseDigests: baseDigests) }
        for r in rows { print(SuiteP2.describe(r)) }
        let table = Self.table(rows)
        print(table)
        try writeReport(suite: "p4", rows: rows, table: table, options: options, extra: [
            "payloadMiB": "\(options.appMiB)",
            "noopRatio": String(format: "%.4f", rows[1].seconds / rows[0].seconds),
            "noopBlobBytes": "\(rows[1].transfer.blobBytes)",
        ])
    }

    static func winimgCommand(_ options: Options, inputs: Bases.P2Inputs, payload: String, host: String,
                              cache: String, noCache: Bool) -> String {
        var c = "'\(options.winimg)' build --format json --progress quiet --insecure-registry \(host)"
        c += noCache ? " --no-cache" : " --cache-dir '\(cache)'"
        if let jobs = options.concurrency { c += " --jobs \(jobs)" }
        for base in inputs.bases {
            c += " --platform windows/amd64:\(base.release.name)"
            c += " --base windows:\(base.release.name)=\(host)/bases/nanoserver:\(base.release.name)"
        }
        c += " --platform linux/amd64 --platform linux/arm64 --base linux=scratch"
        c += " --add '\(inputs.bin)/{os}/{arch}/pause{exe}:/pause{exe}' --add '\(payload):/app/payload.bin'"
        c += " --entrypoint '/pause{exe}' --env-windows 'PATH=C:\\Windows\\system32;C:\\Windows;'"
        c += " -t \(host)/\(repository):\(tag)"
        return c
    }

    /// Markdown: each scenario and its time as a share of the first push.
    static func table(_ rows: [PushRow]) -> String {
        var t = "| scenario | median s | runs (s) | CPU s | of first push | requests (HEAD) | blob bytes up | base-layer bytes up | manifest bytes up |\n"
        t += "|---|---:|---|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            t += String(format: "| %@ | %.2f | %@ | %.2f | %.1f %% | %d (%d) | %lld | %lld | %lld |\n",
                        r.scenario as NSString, r.seconds, r.samples.map { String(format: "%.2f", $0) }.joined(separator: ", ") as NSString,
                        r.cpuSeconds, 100 * r.seconds / rows[0].seconds, r.transfer.totalRequests, r.transfer.headRequests,
                        r.transfer.blobBytes, r.baseLayerBytes, r.transfer.manifestBytes)
        }
        return t
    }
}
