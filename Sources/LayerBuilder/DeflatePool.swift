import Foundation

/// Compresses one `DeflateBlock` at a time; one instance per thread. The output must depend only
/// on the block's contents.
protocol BlockCompressor: AnyObject, Sendable {
    func compress(_ block: DeflateBlock)
}

/// Worker threads that compress `DeflateBlock`s in submission order of pick-up. Which worker
/// compresses which block does not matter: a block's output depends only on the block.
///
/// Plain threads and one condition rather than Swift concurrency: the work is CPU-bound C calls
/// from a synchronous API, and blocking a cooperative-pool thread on it would starve other tasks.
final class DeflatePool: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [DeflateBlock] = []
    private var finished: Set<ObjectIdentifier> = []
    private var closed = false

    /// Starts one worker per compressor (created by the caller, so failures throw before any thread).
    init(compressors: [any BlockCompressor]) {
        for deflater in compressors {
            let thread = Thread { [self] in self.work(deflater) }
            thread.name = "winimg-deflate"
            thread.start()
        }
    }

    /// Queues `block` for compression.
    func submit(_ block: DeflateBlock) {
        condition.lock()
        queue.append(block)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until a worker has finished `block`.
    func wait(for block: DeflateBlock) {
        let id = ObjectIdentifier(block)
        condition.lock()
        while !finished.contains(id) { condition.wait() }
        finished.remove(id)
        condition.unlock()
    }

    /// Lets the workers exit once the queue is empty; blocks still queued are dropped.
    func shutdown() {
        condition.lock()
        closed = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func work(_ deflater: any BlockCompressor) {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let block = queue.removeFirst()
            condition.unlock()

            deflater.compress(block)

            condition.lock()
            finished.insert(ObjectIdentifier(block))
            condition.broadcast()
            condition.unlock()
        }
    }
}
