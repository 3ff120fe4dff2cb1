import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
import TestSupport

/// `winimg build` killed part-way (SIGKILL: no chance to clean up; SIGINT: cancels and cleans up):
/// no tag and no layout ever names content that is not there, and a rerun finishes the job,
/// reusing what the killed run already uploaded.
@Suite(.serialized) struct InterruptedBuildTests {
    /// A running `winimg` with its output in files.
    struct Running {
        let process: Process
        let dir: TempDir

        var stderr: String { (try? String(contentsOfFile: dir.file("stderr"), encoding: .utf8)) ?? "" }

        /// Waits (bounded) for the process to exit after a signal.
        func waitForExit(seconds: Double = 30) async throws -> Int32 {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { stopProcess(process) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// A fixed build time, so the killed run and its rerun make the same blobs (no orphans).
    static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["SOURCE_DATE_EPOCH"] = "1700000000"
        return env
    }()

    static func run(_ args: [String], in directory: String) async throws -> ProcessResult {
        try await TestSupport.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, CLITests.winimg] + args,
                                  environment: environment)
    }

    static func start(_ args: [String], in directory: String) throws -> Running {
        let dir = try TempDir(prefix: "winimg-killed")
        _ = FileManager.default.createFile(atPath: dir.file("stdout"), contents: nil)
        _ = FileManager.default.createFile(atPath: dir.file("stderr"), contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.winimg)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("stderr")))
        process.standardInput = FileHandle.nullDevice
        process.environment = environment
        try process.run()
        return Running(process: process, dir: dir)
    }

    /// Polls `condition` every few milliseconds for at most `seconds`; false on timeout or when
    /// the process ended first.
    static func waitUntil(_ running: Running, seconds: Double = 120, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            if !running.process.isRunning { return condition() }
            try await Task.sleep(for: .milliseconds(3))
        }
        return false
    }

    // MARK: - Registry

    /// The push is held at the proxy at a chosen request (a blob upload after three completed
    /// ones, or the tag's index), then winimg is killed with SIGKILL.
    @Test(arguments: [
        ("PUT", "/blobs/uploads/.+", 4, 3),   // mid-blobs: three blobs are in, the fourth is held
        ("PUT", "/manifests/1$", 1, -1),      // blobs and child manifests in, the index is held
    ])
    func killedPushTagsNothingAndRerunReusesUploads(method: String, path: String, heldAt: Int, blobsIn: Int) async throws {
        try await withTestRegistry { registry in
            let rules: [FaultProxy.Rule] = [.init(method, path, on: heldAt...heldAt, .delay(seconds: 60))]
            try await withFaultProxy(in: registry, rules: rules) { proxy in
                let spec = Fixtures.repoPath("examples/pause/winimg.yaml")
                let target = "\(proxy.host)/e2e/killed:1"
                let running = try Self.start(["build", "-f", spec, "-t", target, "--jobs", "1", "-q"],
                                             in: Fixtures.repoPath("examples/pause"))
                defer { running.dir.remove() }
                let held = try await Self.waitUntil(running) { proxy.requests.contains { $0.fault != nil } }
                #expect(held, "the push reached the held request: \(running.stderr)")
                kill(running.process.processIdentifier, SIGKILL)
                let status = try await running.waitForExit()
                #expect(running.process.terminationReason == .uncaughtSignal && status == SIGKILL)

                // Nothing is tagged: the index goes last and never went out.
                let direct = "docker://\(registry.host)/e2e/killed:1"
                let inspect = try await Skopeo.run(["inspect", "--raw", "--tls-verify=false", direct])
                #expect(inspect.status != 0, "the tag must not exist after the kill")
                #expect(httpStatus(port: registry.port, path: "/v2/e2e/killed/manifests/1") == 404)
                let blobPuts = proxy.requests.filter { $0.method == "PUT" && $0.path.contains("/blobs/uploads/") && $0.fault == nil }.count
                if blobsIn >= 0 { #expect(blobPuts == blobsIn) }

                // The rerun completes and skips every blob the killed run finished.
                proxy.setRules([])
                let rerun = try await Self.run(["build", "-f", spec, "-t", target, "--jobs", "1", "--format", "json"],
                                                      in: Fixtures.repoPath("examples/pause"))
                #expect(rerun.status == 0, "\(rerun.stderrString)")
                let json = try JSONValue(parsing: rerun.stdout)
                let skipped = try #require(json["transfer"]?["blobsSkipped"]?.int64Value)
                let uploaded = try #require(json["transfer"]?["blobsUploaded"]?.int64Value)
                #expect(skipped == Int64(blobPuts), "every blob uploaded before the kill is reused")
                if blobsIn >= 0 { #expect(uploaded > 0) } else { #expect(uploaded == 0) }

                // What the tag names is all there: copy everything out and check it independently.
                let digest = try #require(json["index"]?["digest"]?.stringValue)
                await #expect(SHA256Digest.of(try Skopeo.inspectRaw(direct)).description == digest)
                let copy = try TempDir()
                defer { copy.remove() }
                try await Skopeo.copyAll(from: direct, to: "oci:\(copy.file("copy"))", preserveDigests: true)
                try await Support.checkLayoutIndependently(copy.file("copy"))
            }
        }
    }

    // MARK: - OCI layout

    /// 32 MiB of incompressible bytes: hashing the layer while placing it in the layout keeps the
    /// write in progress long enough to signal it there.
    static func bigFile(in dir: TempDir) throws -> String {
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        return try dir.write("big.bin", random.readData(ofLength: 32 << 20))
    }

    static func layoutArgs(_ destination: String, big: Bool) -> [String] {
        ["build", "--platform", "linux/amd64", "--base", "linux=scratch", "--add", "pause:/pause",
         "--entrypoint", "/pause", "-t", "oci:\(destination)", "-q"] + (big ? ["--add", "big.bin:/big.bin"] : [])
    }

    /// Debris of this layout's writers: staging directories beside it, temp files inside it.
    static func debris(_ layout: String) -> [String] {
        let parent = (layout as NSString).deletingLastPathComponent
        let name = (layout as NSString).lastPathComponent
        let beside = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix(name + ".tmp-") }
        let inside = ((try? FileManager.default.contentsOfDirectory(atPath: layout)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
        let blobs = ((try? FileManager.default.contentsOfDirectory(atPath: layout + "/blobs/sha256")) ?? []).filter { $0.contains(".tmp-") }
        return beside + inside + blobs
    }

    /// Killed while writing a new layout (staged beside it) or adding a tag to an existing one
    /// (blobs written in place): the layout is absent or complete, never half written; SIGINT
    /// cleans up at once, after SIGKILL the next run removes the debris and completes.
    @Test(arguments: [(SIGKILL, false), (SIGKILL, true), (SIGINT, false), (SIGINT, true)])
    func killedLayoutWriteIsAbsentOrComplete(signal: Int32, existing: Bool) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: Fixtures.repoPath("examples/pause/bin/linux/amd64/pause"), toPath: dir.file("pause"))
        _ = try Self.bigFile(in: dir)
        let layout = dir.file("out")
        if existing {
            let first = try await Self.run(Self.layoutArgs("\(layout):v1", big: false), in: dir.path)
            #expect(first.status == 0, "\(first.stderrString)")
        }
        let indexBefore = FileManager.default.contents(atPath: layout + "/index.json")

        let running = try Self.start(Self.layoutArgs("\(layout):v2", big: true), in: dir.path)
        defer { running.dir.remove() }
        let midWrite = try await Self.waitUntil(running) { !Self.debris(layout).isEmpty }
        #expect(midWrite, "the write was caught in progress: \(running.stderr)")
        kill(running.process.processIdentifier, signal)
        let status = try await running.waitForExit()
        // Adding to an existing layout, the signal can land while the last blob is hashed, and
        // SIGINT only stops the run between steps: then the run completes (exit 0) instead.
        let completed = signal == SIGINT && existing && status == 0
        if signal == SIGINT && !completed {
            #expect(status == 130, "\(running.stderr)")
            #expect(Self.debris(layout).isEmpty, "an interrupted run removes its own temp files: \(Self.debris(layout))")
        }

        // Never half written: a new layout does not exist; an existing one has its old index,
        // and everything that index names is there (skopeo reads and verifies every blob).
        if existing {
            if !completed {
                #expect(FileManager.default.contents(atPath: layout + "/index.json") == indexBefore)
            }
            let copy = try TempDir()
            defer { copy.remove() }
            try await Skopeo.copyAll(from: "oci:\(layout):v1", to: "oci:\(copy.file("copy")):v1", preserveDigests: true)
            try await Support.checkLayoutIndependently(copy.file("copy"))
        } else {
            #expect(!FileManager.default.fileExists(atPath: layout), "no half-written layout")
        }

        // The rerun finishes, leaves no debris, and the layout holds every tag written.
        let rerun = try await Self.run(Self.layoutArgs("\(layout):v2", big: true), in: dir.path)
        #expect(rerun.status == 0, "\(rerun.stderrString)")
        #expect(Self.debris(layout).isEmpty, "stale temp files of the killed run are removed: \(Self.debris(layout))")
        try await Support.checkLayoutIndependently(layout)
        let tags = try OCILayout(root: layout).entries().compactMap { $0.annotations?[OCILayout.refNameAnnotation] }
        #expect(tags.sorted() == (existing ? ["v1", "v2"] : ["v2"]))
    }
}
