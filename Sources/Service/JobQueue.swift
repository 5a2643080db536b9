import Foundation

/// Names waiting to be processed, each at most once: a name already waiting is not added twice, and
/// a name that arrives again while it is being processed is queued again when that job ends (the
/// file may have been replaced meanwhile). Worker threads block in `next`.
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [String] = []
    private var running: Set<String> = []
    private var again: Set<String> = []
    private var closed = false
    private var limit: Int

    init(concurrency: Int) { limit = concurrency }

    var concurrency: Int {
        get { condition.withLock { limit } }
        set { condition.withLock { limit = newValue; condition.broadcast() } }
    }

    /// False when the name is already waiting (or will be queued again after its current job).
    /// `accepted` runs before any worker can see the name, so that "queued" is logged before "started".
    @discardableResult
    func enqueue(_ name: String, accepted: () -> Void = {}) -> Bool {
        condition.withLock {
            guard !closed else { return false }
            if running.contains(name) { return again.insert(name).inserted }
            guard !waiting.contains(name) else { return false }
            accepted()
            waiting.append(name)
            condition.signal()
            return true
        }
    }

    /// The next name for worker `index`, or nil when the queue is closed or this worker is beyond
    /// the configured concurrency (after a reload lowered it).
    func next(worker index: Int) -> String? {
        condition.withLock {
            while !closed && index < limit && waiting.isEmpty { condition.wait() }
            guard !closed, index < limit else { return nil }
            let name = waiting.removeFirst()
            running.insert(name)
            return name
        }
    }

    func finished(_ name: String) {
        condition.withLock {
            running.remove(name)
            if again.remove(name) != nil, !closed {
                waiting.append(name)
                condition.signal()
            }
        }
    }

    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    var isIdle: Bool { condition.withLock { waiting.isEmpty && running.isEmpty } }

    /// Names waiting, not yet handed to a worker.
    var waitingCount: Int { condition.withLock { waiting.count } }
}
