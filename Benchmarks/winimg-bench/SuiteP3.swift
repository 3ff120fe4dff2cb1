import Foundation

/// P3: peak RSS of building and pushing one big layer (1 GiB of generated data, 3 in 4 blocks
/// random) as a linux/amd64 image on scratch to a fresh local registry; target ≤ 64 MiB.
/// umoci insert + skopeo copy does the same job for comparison.
enum SuiteP3 {
    static let target = 64 << 10   // KiB

    static func run(_ options: Options) async throws {
        let big = try Bases.prepareBig(in: options.data, mib: options.bigMiB)
        let size = Measure.fileSize(big)
        guard FileManager.default.isExecutableFile(atPath: options.winimg) else {
            fatal("no winimg at \(options.winimg): swift build -c release --product winimg, or pass --winimg PATH")
        }
        print("P3: \(size) B input; winimg \(options.winimg); \(options.runs) runs each")
        _ = Measure.shell("cat '\(big)' > /dev/null")
        let work = NSTemporaryDirectory() + "winimg-bench-p3-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }

        var contenders: [(name: String, command: (String) -> String)] = []
        let winimg = { (jobs: Int?) in { (host: String) in
            "'\(options.winimg)' build --format json --progress quiet --no-cache --insecure-registry \(host)"
                + (jobs.map { " --jobs \($0)" } ?? "")
                + " --platform linux/amd64 --base linux=scratch --add '\(big):/big.bin' -t \(host)/big:1"
        } }
        contenders.append(("winimg", winimg(options.concurrency)))
        if options.concurrency != 1 { contenders.append(("winimg --jobs 1", winimg(1))) }
        contenders.append(("umoci+skopeo", { host in
            "rm -rf '\(work)' && mkdir -p '\(work)' && umoci init --layout '\(work)/l' && umoci new --image '\(work)/l:t'"
                + " && umoci insert --image '\(work)/l:t' '\(big)' /big.bin"
                + " && skopeo copy --quiet --preserve-digests --dest-tls-verify=false 'oci:\(work)/l:t' 'docker://\(host)/big:1'"
        }))

        var rows: [PushRow] = []
        for contender in contenders where !options.skips(contender.name) {
            var samples: [(Measure.Sample, TransferCounts)] = []
            for _ in 0..<options.runs {
                let registry = try await BenchRegistry.start()
                let sample = Measure.timed(contender.command(registry.host))
                await registry.check(sample.status == 0, "\(contender.name) failed (\(sample.status))")
                try await Task.sleep(for: .milliseconds(200))
                let counts = TransferCounts(registry.proxy.requests)
                await registry.check(registry.manifest("big:1") != nil, "big:1 missing after \(contender.name)")
                await registry.check(counts.blobBytes >= size / 2, "\(contender.name) uploaded only \(counts.blobBytes) B")
                await registry.stop()
                samples.append((sample, counts))
            }
            let row = SuiteP2.makeRow(contender: contender.name, scenario: "1 GiB layer", samples: samples, baseDigests: [])
            print(SuiteP2.describe(row))
            rows.append(row)
        }
        var t = "| contender | peak RSS MiB (max) | ≤ 64 MiB | each run (MiB) | median s | CPU s | blob bytes up | requests |\n"
        t += "|---|---:|---|---|---:|---:|---:|---:|\n"
        for r in rows {
            let runs = r.peakRSSSamplesKiB.map { String(format: "%.1f", Double($0) / 1024) }.joined(separator: ", ")
            t += String(format: "| %@ | %.1f | %@ | %@ | %.2f | %.2f | %lld | %d |\n", r.contender as NSString, Double(r.peakRSSKiB) / 1024,
                        (r.peakRSSKiB <= target ? "yes" : "no") as NSString, runs as NSString, r.seconds, r.cpuSeconds,
                        r.transfer.blobBytes, r.transfer.totalRequests)
        }
        print(t)
        try writeReport(suite: "p3", rows: rows, table: t, options: options, extra: ["file": big, "bytes": "\(size)"])
    }
}
