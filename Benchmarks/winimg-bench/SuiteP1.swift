import Foundation
import LayerBuilder

/// P1: winimg's layer build against tar|pigz, tar|gzip and umoci on the same corpus in one run
/// (medians of `--runs`), plus raw SHA-256 against `openssl speed`.
enum SuiteP1 {
    /// Child mode: one layer build, timed inside, so each run's peak RSS is its own.
    static func child(_ args: [String]) throws -> Never {
        guard (4...5).contains(args.count), let threads = Int(args[3]) else { fatal("--child-build CORPUS OUT THREADS [ENCODER]") }
        let entries = try Corpus.layerEntries(args[1])
        var options = LayerOptions(format: .linux)
        options.compressionThreads = threads
        // ENCODER: libdeflate (the default), zlib, or zstd.
        switch args.count == 5 ? args[4] : "libdeflate" {
        case "zlib": options.gzipEncoder = .zlib
        case "zstd": options.compression = .zstd
        case "libdeflate": options.gzipEncoder = .libdeflate
        default: fatal("encoder must be libdeflate, zlib or zstd")
        }
        let start = Measure.now()
        let layer = try LayerWriter.build(entries: entries, options: options, to: args[2])
        let seconds = Measure.now() - start
        print("\(seconds) \(layer.size) \(layer.uncompressedSize) \(layer.diffID) \(layer.digest) \(Measure.peakRSSKiB())")
        exit(0)
    }

    static func run(_ options: Options) throws {
        let corpusDir = options.corpus
        let outJSON = options.out(for: "p1")
        let runs = options.runs
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let work = NSTemporaryDirectory() + "winimg-bench-work-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let corpus = try Corpus.prepare(in: corpusDir)
        let mib = Double(corpus.bytes) / 1_048_576
        print("corpus: \(corpusDir): \(corpus.files) files, \(String(format: "%.1f", mib)) MiB; \(runs) runs each, median; \(cores) cores")
        // Warm the page cache so every contender reads from memory.
        _ = Measure.shell("tar -cf - -C '\(corpusDir)' bin lib > /dev/null")

        var rows: [Row] = []

        func record(_ name: String, _ samples: [(seconds: Double, size: Int64, rss: Int, cpu: Double)], note: String = "") {
            let secs = Measure.median(samples.map(\.seconds))
            let row = Row(name: name, seconds: secs, samples: samples.map(\.seconds),
                          mbPerSecond: Double(corpus.bytes) / 1e6 / secs,
                          compressedBytes: samples.last?.size ?? 0, peakRSSKiB: samples.map(\.rss).max() ?? 0,
                          cpuSeconds: Measure.median(samples.map(\.cpu)), note: note)
            rows.append(row)
            print(String(format: "  %-34@ %7.3f s  %7.1f MB/s  cpu %6.2f s  %11lld B  %7d KiB", name as NSString,
                         secs, row.mbPerSecond, row.cpuSeconds, row.compressedBytes, row.peakRSSKiB))
        }

        // winimg, as a child process per run (wall time includes process start, like the peers).
        let selfPath = URL(fileURLWithPath: CommandLine.arguments[0]).path
        var digests: [String: Set<String>] = [:]
        // The default encoder (libdeflate) at 1 and all threads; the zlib encoder and zstd at all threads.
        let variants = Array(Set([1, cores])).sorted().map { ($0, "libdeflate") } + [(cores, "zlib"), (cores, "zstd")]
        for (threads, encoder) in variants {
            var samples: [(seconds: Double, size: Int64, rss: Int, cpu: Double)] = []
            var inner: [Double] = []
            for _ in 0..<runs {
                let out = work + "/winimg.tar.gz"
                let r = Measure.shell("'\(selfPath)' --child-build '\(corpusDir)' '\(out)' \(threads) \(encoder)")
                let f = r.stdout.split(separator: " ")
                guard f.count == 6 else { fatal("child output: \(r.stdout)") }
                digests[encoder, default: []].insert(String(f[4]))
                inner.append(Double(f[0]) ?? 0)
                samples.append((r.seconds, Int64(f[1]) ?? 0, Int(f[5].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, r.cpuSeconds))
                unlink(out)
            }
            record(encoder == "libdeflate" ? "winimg threads=\(threads)" : "winimg \(encoder) threads=\(threads)", samples,
                   note: String(format: "in-process build %.3f s (median)", Measure.median(inner)))
        }
        for (encoder, set) in digests where set.count != 1 {
            print("  WARNING: \(encoder) layer digests differ across runs/threads: \(set.sorted())")
        }

        func peer(_ name: String, _ script: String, output: String? = nil, setup: String? = nil,
                             sizeScript: String? = nil) {
            var samples: [(seconds: Double, size: Int64, rss: Int, cpu: Double)] = []
            for _ in 0..<runs {
                if let setup { _ = Measure.shell(setup) }
                let r = Measure.shell(script)
                let size = sizeScript.map { Int64(Measure.shell($0).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
                samples.append((r.seconds, output.map(Measure.fileSize) ?? size ?? 0, r.peakKiB, r.cpuSeconds))
                if let output { unlink(output) }
            }
            record(name, samples, note: script)
        }
        let tarCmd = "tar -cf - -C '\(corpusDir)' bin lib"
        let gz = work + "/peer.tar.gz"
        peer("tar | pigz -6 | sha256sum", "\(tarCmd) | pigz -6 -n | tee '\(gz)' | sha256sum > /dev/null", output: gz)
        peer("tar | tee(sha256) | pigz -6 | sha256", "\(tarCmd) | tee >(sha256sum > /dev/null) | pigz -6 -n | tee '\(gz)' | sha256sum > /dev/null; wait $!", output: gz)
        peer("tar | gzip -6 | sha256sum", "\(tarCmd) | gzip -6 -n | tee '\(gz)' | sha256sum > /dev/null", output: gz)
        let layout = work + "/umoci"
        peer("umoci insert", "umoci insert --image '\(layout):t' '\(corpusDir)' /",
             setup: "rm -rf '\(layout)' && umoci init --layout '\(layout)' && umoci new --image '\(layout):t'",
             // The layer is the layout's largest blob.
             sizeScript: "stat -c %s '\(layout)'/blobs/sha256/* | sort -n | tail -1")

        // Raw SHA-256: our hasher over 1 MiB and 16 KiB updates vs `openssl speed`.
        func ourSHA(block: Int) -> Double {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: block, alignment: 64)
            defer { buffer.deallocate() }
            for i in 0..<block { buffer[i] = UInt8(truncatingIfNeeded: i &* 31) }
            var hasher = SHA256Hasher()
            var bytes = 0
            let start = Measure.now()
            while Measure.now() - start < 2 {
                for _ in 0..<(4 << 20) / block { hasher.update(UnsafeRawBufferPointer(buffer)) }
                bytes += 4 << 20
            }
            _ = hasher.finalize()
            return Double(bytes) / 1e6 / (Measure.now() - start)
        }
        func opensslSHA(block: Int) -> Double {
            let r = Measure.shell("openssl speed -elapsed -evp sha256 -bytes \(block) -seconds 2 2>/dev/null | tail -1")
            // "sha256   1544901.97k": thousands of bytes per second.
            guard let last = r.stdout.split(separator: " ").last,
                  let k = Double(last.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()) else { return 0 }
            return k / 1000
        }
        var sha: [SHARow] = []
        for block in [16384, 1 << 20] {
            let s = SHARow(blockBytes: block, winimgMBps: ourSHA(block: block), opensslMBps: opensslSHA(block: block))
            sha.append(s)
            print(String(format: "  SHA-256 %7d B blocks: SHA256Hasher %7.1f MB/s, openssl speed %7.1f MB/s (%.0f%%)",
                         block, s.winimgMBps, s.opensslMBps, 100 * s.winimgMBps / s.opensslMBps))
        }

        let report = Report.make(rows: rows, sha: sha, corpusDir: corpusDir, files: corpus.files, bytes: corpus.bytes,
                                 runs: runs, cores: cores)
        print(report.table)
        print("load average at end: " + ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"))
        if let outJSON {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(report).write(to: URL(fileURLWithPath: outJSON))
            print("wrote \(outJSON)")
        }
    }
}
