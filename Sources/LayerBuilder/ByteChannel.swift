import Foundation

/// A bounded hand-over of bytes from an async producer (a blob download) to a blocking consumer
/// (libarchive's read callback on its own thread).
///
/// At most `capacity` bytes (plus the chunk being handed over) are buffered: a producer that gets
/// ahead suspends, without blocking a thread, until the consumer has taken enough, so the
/// download runs at the pace of extraction and memory stays bounded whatever the blob size.
public final class ByteChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var buffered = 0
    private let capacity: Int
    private var finished = false
    private var failure: (any Error)?
    private var readerClosed = false
    private var waitingProducer: CheckedContinuation<Void, Never>?

    /// - Parameter capacity: bytes buffered at most before the producer waits (default 4 MiB).
    public init(capacity: Int = 4 << 20) {
        self.capacity = max(1, capacity)
    }

    /// Hands `bytes` to the consumer, waiting while the buffer is full.
    /// - Returns: false once the consumer has closed its end (it needs no more bytes).
    public func send(_ bytes: [UInt8]) async -> Bool {
        guard enqueue(bytes) else { return false }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in park(c) }
        return !isReaderClosed()
    }

    private func enqueue(_ bytes: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if readerClosed { return false }
        chunks.append(bytes)
        buffered += bytes.count
        condition.signal()
        return true
    }

    /// Resumes at once while there is room, else when the consumer makes some.
    private func park(_ c: CheckedContinuation<Void, Never>) {
        condition.lock()
        if buffered < capacity || readerClosed {
            condition.unlock()
            c.resume()
        } else {
            waitingProducer = c
            condition.unlock()
        }
    }

    private func isReaderClosed() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return readerClosed
    }

    /// Ends the stream: `error` nil for a complete stream, else what the consumer should throw.
    public func finish(error: (any Error)? = nil) {
        condition.lock()
        finished = true
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, blocking the calling thread until one arrives; nil at the end of a
    /// complete stream. Never call from the cooperative thread pool.
    /// - Throws: the error the producer finished with.
    public func receive() throws -> [UInt8]? {
        condition.lock()
        while head == chunks.count && !finished { condition.wait() }
        if head < chunks.count {
            let chunk = chunks[head]
            head += 1
            if head > 64 { chunks.removeFirst(head); head = 0 }
            buffered -= chunk.count
            let wake = buffered < capacity ? waitingProducer : nil
            if wake != nil { waitingProducer = nil }
            condition.unlock()
            wake?.resume()
            return chunk
        }
        let error = failure
        condition.unlock()
        if let error { throw error }
        return nil
    }

    /// The consumer needs no more bytes: buffered chunks are dropped and the producer's next
    /// `send` returns false.
    public func closeReader() {
        condition.lock()
        readerClosed = true
        chunks = []
        head = 0
        buffered = 0
        let wake = waitingProducer
        waitingProducer = nil
        condition.unlock()
        wake?.resume()
    }
}
