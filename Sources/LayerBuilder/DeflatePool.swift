import Foundation

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

    /// Starts `threads` workers, each with its own deflater (created here so failures throw).
    init(level: Int32, threads: Int) throws {
        let deflaters = try (0..<threads).map { _ in try BlockDeflater(level: level) }
        for deflater in deflaters {
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

    private func work(_ deflater: BlockDeflater) {
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
