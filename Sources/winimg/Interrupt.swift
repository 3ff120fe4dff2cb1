import Dispatch
import Foundation

/// Turns SIGINT/SIGTERM into task cancellation, so an interrupted push cancels its open upload
/// sessions, removes its scratch files and never reaches the index or tag step.
enum Interrupt {
    static func cancellingOnSignal<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let received = Received()
        let queue = DispatchQueue(label: "winimg.signals")
        let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { received.set(); task.cancel() }
            source.resume()
            return source
        }
        defer {
            for s in sources { s.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        do {
            // A signal that arrives after the work finished changes nothing: the result is complete.
            return try await task.value
        } catch {
            // Cancellation surfaces from deep inside as many error types (HTTP client, file I/O);
            // after a signal, report it as what it is.
            if received.value { throw CancellationError() }
            throw error
        }
    }

    /// Set from the signal queue, read after the task ends.
    private final class Received: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        func set() { lock.withLock { flag = true } }
        var value: Bool { lock.withLock { flag } }
    }
}
