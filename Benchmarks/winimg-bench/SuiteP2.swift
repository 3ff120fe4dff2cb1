import Foundation
import OCIModel

/// One measured contender run of P2 or P3, with what the proxy saw.
struct PushRow: Codable {
    var contender: String
    var scenario: String
    var seconds: Double
    var samples: [Double]
    /// Median user + system CPU seconds of the whole process tree.
    var cpuSeconds: Double
    /// Largest peak RSS over the runs (of the biggest process in the tree).
    var peakRSSKiB: Int
    /// Each run's peak RSS, in run order.
    var peakRSSSamplesKiB: [Int] = []
    /// From the proxy, of the median run.
    var transfer: TransferCounts
    /// Body bytes uploaded for base-layer digests (should be 0 when the bases are in the registry).
    var baseLayerBytes: Int64
    /// Digests whose bytes went up in more than one committed upload.
    var blobsUploadedTwice: [String]
    var note: String
}

/// P2: build and push the pause-like image (3 Windows releases + linux/amd64 + linux/arm64) to a
/// fresh local registry, winimg against umoci + skopeo (Benchmarks/peers/umoci-skopeo-build.sh):
/// - cold: the registry is empty, the bases come from OCI layouts and must be uploaded;
/// - warm: the bases are already in the destination repository (tags `base-<release>`), so every
///   tool can find them with HEAD;
/// - warm, mount (winimg only): the bases are in another repository of the registry and winimg
///   takes them from there (`--base …=REGISTRY/bases/nanoserver:<release>`), so it mounts.
enum SuiteP2 {
    static let repository = "pause"
    static let tag = "3.10"

    static func run(_ options: Options) async throws {
        let inputs = try Bases.prepareP2(in: options.data, baseMiB: options.baseMiB)
        let baseDigests = Set(inputs.bases.map(\.layerDigest.description))
        let baseBytes = inputs.bases.map(\.layerSize).reduce(0, +)
        print("P2: \(inputs.bases.count) Windows bases, layers \(inputs.bases.map { "\($0.layerSize)" }.joined(separator: ", ")) B;"
              + " winimg \(options.winimg); \(options.runs) runs each, median")
        guard FileManager.default.isExecutableFile(atPath: options.winimg) else {
            fatal("no winimg at \(options.winimg): swift build -c release --product winimg, or pass --winimg PATH")
        }
        let peerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("peers/umoci-skopeo-build.sh").path
        let work = NSTemporaryDirectory() + "winimg-bench-p2-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Warm the page cache: every contender reads the bases from memory.
        _ = Measure.shell("cat '\(options.data)/p2-\(options.baseMiB)'/*/blobs/sha256/* > /dev/null")

        var rows: [PushRow] = []
        enum Seed { case none, destination, otherRepository }
        let scenarios: [(name: String, seed: Seed)] = [("cold", .none), ("warm", .destination), ("warm, mount", .otherRepository)]
        for scenario in scenarios {
            for contender in ["winimg", "umoci+skopeo"] where !options.skips(contender) {
                if scenario.seed == .otherRepository, contender != "winimg" { continue }
                var samples: [(Measure.Sample, TransferCounts)] = []
                for _ in 0..<options.runs {
                    let registry = try await BenchRegistry.start()
                    for base in inputs.bases {
                        switch scenario.seed {
                        case .none: break
                        case .destination: await registry.seed(layout: base.layout, tag: base.release.name,
                                                         to: "\(repository):base-\(base.release.name)")
                        case .otherRepository: await registry.seed(layout: base.layout, tag: base.release.name,
                                                             to: "bases/nanoserver:\(base.release.name)")
                        }
                    }
                    registry.proxy.reset()
                    let command: String
                    if contender == "winimg" {
                        command = winimgCommand(options, inputs: inputs, host: registry.host,
                                                registryBases: scenario.seed == .otherRepository)
                    } else {
                        command = "bash '\(peerScript)' '\((inputs.bases[0].layout as NSString).deletingLastPathComponent)' '\(inputs.bin)' '\(work)' "
                            + "'\(registry.host)' \(repository) \(tag)"
                    }
                    let sample = Measure.timed(command)
                    await registry.check(sample.status == 0, "\(contender) failed (\(sample.status)): \(command)")
                    // Let the proxy log the last response-less requests of closing connections.
                    try await Task.sleep(for: .milliseconds(200))
                    let counts = TransferCounts(registry.proxy.requests)
                    await registry.check(isIndex(registry: registry, platforms: 5),
                                         "\(repository):\(tag) is not an index of 5 images after \(contender)")
                    await registry.stop()
                    samples.append((sample, counts))
                }
                let row = makeRow(contender: contender, scenario: scenario.name, samples: samples, baseDigests: baseDigests)
                print(describe(row))
                rows.append(row)
            }
        }
        let table = Self.table(rows, baseBytes: baseBytes)
        print(table)
        try writeReport(suite: "p2", rows: rows, table: table, options: options, extra: [
            "baseLayerBytes": "\(baseBytes)",
            "baseLayers": inputs.bases.map { "\($0.release.name) \($0.layerDigest) \($0.layerSize)" }.joined(separator: "; "),
        ])
    }

    static func winimgCommand(_ options: Options, inputs: Bases.P2Inputs, host: String, registryBases: Bool) -> String {
        // --no-cache: every run builds its layers, as the peer does (P4 measures the cache).
        var c = "'\(options.winimg)' build --format json --progress quiet --no-cache --insecure-registry \(host)"
        if let jobs = options.concurrency { c += " --jobs \(jobs)" }
        for base in inputs.bases {
            c += " --platform windows/amd64:\(base.release.name)"
            c += registryBases ? " --base windows:\(base.release.name)=\(host)/bases/nanoserver:\(base.release.name)"
                : " --base windows:\(base.release.name)=oci:\(base.layout):\(base.release.name)"
        }
        c += " --platform linux/amd64 --platform linux/arm64 --base linux=scratch"
        c += " --add '\(inputs.bin)/{os}/{arch}/pause{exe}:/pause{exe}' --entrypoint '/pause{exe}'"
        c += " --env-windows 'PATH=C:\\Windows\\system32;C:\\Windows;'"
        c += " -t \(host)/\(repository):\(tag)"
        return c
    }

    /// Whether the pushed tag is an index with one entry per platform (read past the proxy).
    static func isIndex(registry: BenchRegistry, platforms: Int, reference: String = "\(repository):\(tag)") -> Bool {
        (registry.manifest(reference)?["manifests"] as? [[String: Any]])?.count == platforms
    }

    static func makeRow(contender: String, scenario: String, samples: [(Measure.Sample, TransferCounts)],
                        baseDigests: Set<String>) -> PushRow {
        let sorted = samples.sorted { $0.0.seconds < $1.0.seconds }
        let median = sorted[sorted.count / 2]
        let counts = median.1
        return PushRow(contender: contender, scenario: scenario, seconds: median.0.seconds, samples: samples.map(\.0.seconds),
                       cpuSeconds: Measure.median(samples.map(\.0.cpuSeconds)),
                       peakRSSKiB: samples.map(\.0.peakKiB).max() ?? 0, peakRSSSamplesKiB: samples.map(\.0.peakKiB),
                       transfer: counts,
                       baseLayerBytes: counts.bytesPerBlob.filter { baseDigests.contains($0.key) }.values.reduce(0, +),
                       blobsUploadedTwice: samples.flatMap { $0.1.uploadsPerBlob.filter { $0.value > 1 }.keys }.sorted(),
                       note: median.0.stdout.count < 4000 ? median.0.stdout : String(median.0.stdout.prefix(4000)))
    }

    static func describe(_ r: PushRow) -> String {
        String(format: "  %-13@ %-12@ %7.2f s  cpu %6.2f s  rss %6.1f MiB  %4d req  %11lld B up  base %11lld B  blobs twice: %d",
               r.contender as NSString, r.scenario as NSString, r.seconds, r.cpuSeconds, Double(r.peakRSSKiB) / 1024,
               r.transfer.totalRequests, r.transfer.blobBytes, r.baseLayerBytes, r.blobsUploadedTwice.count)
    }

    /// Markdown: per scenario, each contender and winimg's speed-up over the peer.
    static func table(_ rows: [PushRow], baseBytes: Int64) -> String {
        var t = "| scenario | contender | median s | CPU s | peer / winimg | peak RSS MiB | requests (HEAD, mount POST) | blob bytes up | base-layer bytes up | MB/s up | any blob twice |\n"
        t += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for r in rows {
            let peer = rows.first { $0.scenario == r.scenario && $0.contender != "winimg" }
            let ratio = (r.contender == "winimg" && peer != nil) ? String(format: "%.2f×", peer!.seconds / r.seconds) : "-"
            t += String(format: "| %@ | %@ | %.2f | %.2f | %@ | %.1f | %d (%d, %d) | %lld | %lld | %.1f | %@ |\n",
                        r.scenario as NSString, r.contender as NSString, r.seconds, r.cpuSeconds, ratio as NSString,
                        Double(r.peakRSSKiB) / 1024, r.transfer.totalRequests, r.transfer.headRequests, r.transfer.mountRequests,
                        r.transfer.blobBytes, r.baseLayerBytes, Double(r.transfer.blobBytes) / 1e6 / r.seconds,
                        (r.blobsUploadedTwice.isEmpty ? "no" : "yes: \(r.blobsUploadedTwice.count)") as NSString)
        }
        return t
    }
}

/// Results JSON of P2/P3.
struct PushReport: Codable {
    var suite: String
    var date: String
    var machine: [String: String]
    var inputs: [String: String]
    var runs: Int
    var rows: [PushRow]
    var table: String
}

func writeReport(suite: String, rows: [PushRow], table: String, options: Options, extra: [String: String]) throws {
    print("load average at end: " + ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"))
    guard let path = options.out(for: suite) else { return }
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "?"
    let versions = Measure.shell("(docker-registry --version; skopeo --version; umoci --version) 2>&1 | tr '\\n' ';'").stdout
    let report = PushReport(suite: suite, date: ISO8601DateFormatter().string(from: Date()),
                            machine: ["cores": "\(ProcessInfo.processInfo.activeProcessorCount)", "cpu": cpu,
                                      "memoryMiB": "\(ProcessInfo.processInfo.physicalMemory >> 20)", "tools": versions],
                            inputs: extra, runs: options.runs, rows: rows, table: table)
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try enc.encode(report).write(to: URL(fileURLWithPath: path))
    print("wrote \(path)")
}
