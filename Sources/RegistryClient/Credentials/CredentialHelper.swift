import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A docker credential helper program, `docker-credential-<name>`, spoken to with its `get` action.
///
/// Protocol (docker-credential-helpers): the server URL on stdin; on success exit 0 and
/// `{"ServerURL":…,"Username":…,"Secret":…}` on stdout, where Username `<token>` marks Secret as an
/// identity token; without credentials exit non-zero with `credentials not found…` on stdout.
struct CredentialHelper: Sendable {
    /// The name after `docker-credential-`.
    var name: String
    /// Absolute path of the program.
    var executable: String

    /// Finds `docker-credential-<name>` on the `PATH` of `environment`.
    init(name: String, environment: [String: String]) throws(CredentialError) {
        // A name with a slash would let a config file point us at any program on disk.
        guard !name.isEmpty, !name.contains("/"), !name.contains("\0") else { throw .invalidHelperName(name) }
        self.name = name
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let program = "docker-credential-" + name
        for dir in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(dir) + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) {
                executable = candidate
                return
            }
        }
        throw .helperNotFound(helper: name, searched: path)
    }

    /// Output of a finished helper run.
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var timedOut: Bool
    }

    /// Asks the helper for `serverURL`'s credentials; nil when it has none.
    func get(serverURL: String, environment: [String: String], timeout: Double = 60) async throws(CredentialError) -> Credential? {
        let output: Output
        do {
            output = try await run(input: serverURL, environment: environment, timeout: timeout)
        } catch {
            // Could not even start it (permissions, exec format): same advice as any failure.
            throw .helperFailed(helper: name, server: serverURL, status: -1)
        }
        if output.timedOut { throw .helperTimedOut(helper: name, server: serverURL, seconds: timeout) }
        let text = String(decoding: output.stdout, as: UTF8.self)
        guard output.status == 0 else {
            // docker-credential-helpers' ErrCredentialsNotFound text; helpers print errors on stdout.
            if text.lowercased().contains("credentials not found") { return nil }
            throw .helperFailed(helper: name, server: serverURL, status: output.status)
        }
        struct Answer: Decodable {
            var Username: String?
            var Secret: String?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: output.stdout) else {
            throw .helperInvalidOutput(helper: name, server: serverURL)
        }
        let username = answer.Username ?? ""
        let secret = answer.Secret ?? ""
        if username.isEmpty && secret.isEmpty { return nil }
        guard !secret.isEmpty, !username.isEmpty else { throw .helperInvalidOutput(helper: name, server: serverURL) }
        if username == "<token>" { return .identityToken(secret) }
        return .basic(username: username, password: secret)
    }

    /// Runs `executable get` with `input` on stdin, off the cooperative thread pool (Process and
    /// pipe reads block), killing it after `timeout` seconds.
    private func run(input: String, environment: [String: String], timeout: Double) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["get"]
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        // stderr may carry prompts or secrets; it is neither shown nor kept.
        process.standardError = FileHandle.nullDevice
        // Written before launch, into the pipe buffer (a URL is far below its size): a helper that
        // exits without reading can then not raise SIGPIPE in this process. docker sends no newline.
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try process.run()
        try? stdin.fileHandleForWriting.close()
        let running = RunningHelper(process: process, stdout: stdout)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { running.killIfRunning() }
                let data = (try? running.stdout.fileHandleForReading.readToEnd()) ?? Data()
                running.process.waitUntilExit()
                continuation.resume(returning: Output(status: running.process.terminationStatus, stdout: data,
                                                      timedOut: running.timedOut))
            }
        }
    }
}

/// A started helper, shared between the reading thread and the timeout timer.
private final class RunningHelper: @unchecked Sendable {
    let process: Process
    let stdout: Pipe
    private let lock = NSLock()
    private var killed = false

    init(process: Process, stdout: Pipe) {
        self.process = process
        self.stdout = stdout
    }

    func killIfRunning() {
        lock.withLock {
            guard process.isRunning else { return }
            killed = true
            // SIGKILL, not terminate(): a child inherits ignored signals, and SIGTERM may be ignored.
            kill(process.processIdentifier, SIGKILL)
        }
    }

    var timedOut: Bool { lock.withLock { killed } }
}
