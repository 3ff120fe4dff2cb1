import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a finished process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutString: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrString: String { String(decoding: stderr, as: UTF8.self) }
}

/// Errors of the test helpers.
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `exe` with `args`, capturing output, killing it after `timeout` seconds.
///
/// Output goes to temp files rather than pipes so a chatty process cannot deadlock on a full pipe
/// while we wait for it.
///
/// Waiting is asynchronous (a short `Task.sleep` between checks), never a blocking sleep: tests
/// run in parallel on a cooperative pool as small as the machine's two cores, and a blocked thread
/// per running child would starve every other test's timers and continuations.
public func run(_ exe: String, _ args: [String], timeout: Double = 120,
                environment: [String: String]? = nil) async throws -> ProcessResult {
    let dir = try TempDir(prefix: "winimg-run")
    defer { dir.remove() }
    let outPath = dir.file("stdout"), errPath = dir.file("stderr")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    defer { try? out.close(); try? err.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = args
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    if let environment { process.environment = environment }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            stopProcess(process)
            throw TestSupportError("\(exe) \(args.joined(separator: " ")) timed out after \(timeout) s")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: FileManager.default.contents(atPath: outPath) ?? Data(),
                         stderr: FileManager.default.contents(atPath: errPath) ?? Data())
}

/// Sends SIGTERM, waits up to `grace` seconds, then SIGKILL, and reaps the process.
///
/// The fallback matters: a child inherits ignored signals from the test runner, and a process that
/// ignores SIGTERM would otherwise outlive the tests.
public func stopProcess(_ process: Process, grace: Double = 2) {
    if process.isRunning { process.terminate() }
    let deadline = Date().addingTimeInterval(grace)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    while process.isRunning { usleep(10_000) }
    process.waitUntilExit()
}
