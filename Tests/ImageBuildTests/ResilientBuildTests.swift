import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport
@testable import ImageBuild

/// Whole builds through faults and TLS: the result is complete and verified, or nothing is tagged.
@Suite(.serialized) struct ResilientBuildTests {
    /// Fast retries so the suite stays short; the rules are the defaults'.
    static let options = RegistryOptions(retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.01, maxDelay: 0.2, maxElapsed: 20))

    static func build(_ spec: BuildSpec, options: RegistryOptions = options) async throws -> BuildResult {
        try await Builder(plan: try BuildPlan(spec: spec, environment: [:]), registryOptions: options).run()
    }

    @Test func pauseBuildSurvivesAMixOfFaults() async throws {
        try await withTestRegistry { registry in
            let rules: [FaultProxy.Rule] = [
                .init("HEAD", "/blobs/", on: 2...2, .status(503)),
                .init("POST", "/blobs/uploads/", on: 1...1, .status(502)),
                .init("PUT", "/blobs/uploads/.+", on: 2...2, .resetRequest(afterBytes: 100)),
                .init("PUT", "/blobs/uploads/.+", on: 4...4, .status(500)),
                .init("PUT", "/manifests/sha256:", on: 1...1, .status(429, retryAfter: "1")),
                .init("PUT", "/manifests/sha256:", on: 3...3, .dropResponse),
                .init("PUT", "/manifests/3\\.10", on: 1...1, .status(503)),
            ]
            try await withFaultProxy(in: registry, rules: rules) { proxy in
                let target = "\(proxy.host)/e2e/pause:3.10"
                let result = try await Self.build(try Support.pauseSpec(tags: [target], bases: Support.layoutBases))
                #expect(proxy.requests.filter { $0.fault != nil }.count == rules.count, "every fault was injected once")
                // Read back directly from the registry, not through the proxy.
                let direct = "docker://\(registry.host)/e2e/pause:3.10"
                await #expect(SHA256Digest.of(try Skopeo.inspectRaw(direct)).description == result.index.digest)
                let dir = try TempDir()
                defer { dir.remove() }
                try await Skopeo.copyAll(from: direct, to: "oci:\(dir.file("copy"))", preserveDigests: true)
                try await Support.checkLayoutIndependently(dir.file("copy"))
            }
        }
    }

    @Test func buildThatCannotFinishLeavesNoTag() async throws {
        try await withTestRegistry { registry in
            // Every upload of one blob fails: the build must stop before any manifest or tag.
            let rules: [FaultProxy.Rule] = [.init("PUT", "/blobs/uploads/.+", on: FaultProxy.Rule.always, .status(503))]
            try await withFaultProxy(in: registry, rules: rules) { proxy in
                let target = "\(proxy.host)/e2e/broken:1"
                let error = await #expect(throws: RegistryError.self) {
                    try await Self.build(try Support.pauseSpec(tags: [target], bases: Support.layoutBases))
                }
                #expect(error?.status == 503)
                #expect(proxy.count("PUT", "/manifests/") == 0)
                let r = try await Skopeo.run(["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/e2e/broken:1"])
                #expect(r.status != 0, "no tag")
            }
        }
    }

    @Test func tlsRegistryNeedsItsCA() async throws {
        try await withTestRegistry(tls: true) { registry in
            let ca = try #require(registry.caFile)
            let target = "\(registry.host)/e2e/tls:1"
            let spec = Fixtures.repoPath("examples/pause/winimg.yaml")
            let untrusted = try await CLITests.winimg(["build", "-f", spec, "-t", target, "-q"])
            #expect(untrusted.status != 0)
            #expect(untrusted.stderrString.contains("--ca-file"), "\(untrusted.stderrString)")
            let trusted = try await CLITests.winimg(["build", "-f", spec, "-t", target, "-q", "--ca-file", ca, "--format", "json"])
            #expect(trusted.status == 0, "\(trusted.stderrString)")
            let digest = try #require(try JSONValue(parsing: trusted.stdout)["index"]?["digest"]?.stringValue)
            let client = RegistryClient(host: registry.host, options: RegistryOptions(caFile: ca))
            let fetched = try await client.manifest(repository: "e2e/tls", reference: "1")
            try await client.shutdown()
            #expect(fetched.digest.description == digest)
        }
    }
}

@Suite struct InterruptTests {
    /// SIGINT during a push: exit 130, no tag, no upload session left open on the registry.
    @Test func interruptedPushTagsNothing() async throws {
        try await withTestRegistry { registry in
            // Hold every blob upload at the proxy so the push is surely in flight when we interrupt.
            let rules: [FaultProxy.Rule] = [.init("PUT", "/blobs/uploads/.+", on: FaultProxy.Rule.always, .delay(seconds: 20))]
            try await withFaultProxy(in: registry, rules: rules) { proxy in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CLITests.winimg)
                process.arguments = ["build", "-f", Fixtures.repoPath("examples/pause/winimg.yaml"),
                                     "-t", "\(proxy.host)/e2e/interrupted:1", "-q", "--jobs", "1", "--no-cache"]
                let err = Pipe()
                process.standardError = err
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                for _ in 0..<200 where proxy.count("PUT", "/blobs/uploads/.+") == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(proxy.count("PUT", "/blobs/uploads/.+") > 0, "the push reached the uploads")
                kill(process.processIdentifier, SIGINT)
                for _ in 0..<300 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(process.terminationStatus == 130, "\(stderr)")
                #expect(stderr.contains("interrupted"), "\(stderr)")
                #expect(proxy.count("PUT", "/manifests/") == 0)
                let r = try await Skopeo.run(["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/e2e/interrupted:1"])
                #expect(r.status != 0, "no tag")
                // The session of the held upload was cancelled (DELETE) on the way out. One job, so no
                // other POST can be in flight: a session whose Location never reached us could not be.
                let uploads = FileManager.default.enumerator(atPath: registry.storageRoot)?.compactMap { $0 as? String } ?? []
                #expect(uploads.filter { $0.contains("/_uploads/") && $0.hasSuffix("/startedat") }.isEmpty, "\(uploads.filter { $0.contains("_uploads") })")
                #expect(proxy.count("DELETE", "/blobs/uploads/.+") > 0)
            }
        }
    }
}

@Suite struct ProgressEventTests {
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [BuildEvent] = []
        func add(_ e: BuildEvent) { lock.withLock { events.append(e) } }
        var all: [BuildEvent] { lock.withLock { events } }
    }

    @Test(arguments: [nil, 1 << 20] as [Int?])
    func uploadProgressIsMonotonicAndComplete(chunkSize: Int?) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // 3 MiB of incompressible bytes, so the layer spans several read chunks.
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        var x: UInt64 = 0x9E3779B97F4A7C15
        for i in bytes.indices { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bytes[i] = UInt8(truncatingIfNeeded: x) }
        let big = try dir.write("big.bin", Data(bytes))
        try await withTestRegistry { registry in
            var spec = try Support.pauseSpec(tags: ["\(registry.host)/e2e/progress:1"], bases: Support.layoutBases)
            spec.platforms = ["linux/amd64"]
            spec.files = [FileSpec(source: big, destination: "/big.bin")]
            let collector = Collector()
            let plan = try BuildPlan(spec: spec, environment: [:])
            let result = try await Builder(plan: plan, registryOptions: RegistryOptions(chunkSize: chunkSize),
                                           events: { collector.add($0) }).run()
            let layer = try Digest(try #require(result.platforms[0].newLayer))
            let sent = collector.all.compactMap { e -> (Int64, Int64)? in
                if case let .blobProgress(_, d, s, size) = e, d == layer { return (s, size) }
                return nil
            }
            #expect(sent.count >= 3, "several progress reports for a 3 MiB layer")
            #expect(zip(sent, sent.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "never goes backwards")
            #expect(sent.last.map { $0.0 == $0.1 } == true, "ends at the blob size")
            #expect(collector.all.contains { if case .blobFinished(_, layer, _, .uploaded, _) = $0 { return true } else { return false } })
        }
    }
}
