import Foundation
import ImageBuild

/// How progress is shown on stderr.
enum ProgressMode: String, CaseIterable {
    /// A live display on a terminal, plain lines otherwise (and always in CI).
    case auto
    /// Redrawn in place: one row per blob in flight.
    case tty
    /// One line per event.
    case plain
    /// Nothing.
    case quiet

    /// `auto` decided for this process: a terminal on stderr and no `CI` variable means live.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) -> ProgressMode {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) == 1 && environment["CI"] == nil && environment["TERM"] != "dumb" ? .tty : .plain
    }
}

/// Renders `BuildEvent`s on stderr. Events arrive from concurrent tasks, so state sits behind a lock.
final class ProgressDisplay: @unchecked Sendable {
    private let mode: ProgressMode
    private let lock = NSLock()
    /// Blobs in flight, in start order, with their start times (TTY mode).
    private var active: [(key: String, text: String, start: Date)] = []
    private var drawnRows = 0

    private var ticker: DispatchSourceTimer?

    init(mode: ProgressMode) {
        self.mode = mode.resolved()
        guard self.mode == .tty else { return }
        // Live rows show elapsed time; refresh them twice a second even when no event arrives.
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        ticker = timer
    }

    deinit { ticker?.cancel() }

    /// Stops the live display (the final result follows on stdout).
    func finish() {
        ticker?.cancel()
        lock.lock()
        defer { lock.unlock() }
        if mode == .tty, drawnRows > 0 { active.removeAll(); redraw(permanent: nil) }
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        if !active.isEmpty { redraw(permanent: nil) }
    }

    func handle(_ event: BuildEvent) {
        guard mode != .quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        guard mode == .tty else {
            if !event.isLiveOnly { write(event.line + "\n") }
            return
        }
        switch event {
        case let .blobProgress(destination, digest, sent, size):
            // Rows show bytes sent and the rate since the blob started; redrawn by the ticker.
            if let i = active.firstIndex(where: { $0.key == destination + digest.description }) {
                let seconds = max(Date().timeIntervalSince(active[i].start), 0.001)
                active[i].text = "\(destination): \(digest.short) \(ByteCount(sent)) of \(ByteCount(size)), \(ByteCount(Int64(Double(sent) / seconds)))/s"
            }
        case let .blobStarted(destination, digest, _):
            active.append((key: destination + digest.description, text: event.line, start: Date()))
            redraw(permanent: nil)
        case let .blobFinished(destination, digest, _, _, _):
            active.removeAll { $0.key == destination + digest.description }
            redraw(permanent: event.line)
        default:
            redraw(permanent: event.line)
        }
    }

    /// Erases the live rows, prints a finished line above them, then draws the rows again.
    private func redraw(permanent: String?) {
        var out = ""
        if drawnRows > 0 { out += "\u{1B}[\(drawnRows)A\u{1B}[J" }
        if let permanent { out += permanent + "\n" }
        for row in active.suffix(12) {
            out += "  \(row.text) \(String(format: "%.1fs", Date().timeIntervalSince(row.start)))\n"
        }
        drawnRows = min(active.count, 12)
        write(out)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
