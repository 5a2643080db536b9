import Dispatch
import Foundation
import Synchronization

/// How many threads one job's engine loops use, and the loops themselves (Dispatch).
///
/// A value, not a process-wide setting: every layer is built with the `Parallel` of the job it
/// belongs to, so two jobs in one process (the daemon with `concurrency: 2`) each keep their own
/// thread count and never see each other's.
///
/// Every split is static: part `k` of `parts` always covers the same items, whatever the thread
/// count and whatever the timing. Reductions then sum per-part results in part order, which is what
/// makes training bit-for-bit reproducible for a seed. Which thread runs a part is not fixed: the
/// threads take chunks in turn (see `forEachWorker`), and nothing computed depends on it.
///
/// The loops run on the value's own `WorkerPool`, which its copies share; a loop begun while the
/// pool is busy (a loop inside a loop) runs on Dispatch instead.
public struct Parallel: Sendable, Equatable {
    /// Threads the loops run on (at least 1).
    public let threads: Int
    private let pool: WorkerPool?

    public init(threads: Int) {
        precondition(threads >= 1, "a job needs at least one thread")
        self.threads = threads
        pool = threads > 1 ? WorkerPool(threads: threads) : nil
    }

    public static func == (a: Parallel, b: Parallel) -> Bool { a.threads == b.threads }

    /// The loops begun while this value's pool was running another, which therefore ran on
    /// Dispatch: none for a job whose threads are its own, but for a loop inside a loop.
    public var loopsOnDispatch: Int { pool?.refusals ?? 0 }

    /// Every core of the machine.
    public static var allCores: Parallel { Parallel(threads: availableCores) }

    public static var availableCores: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(range)` over `0..<count` cut into `threads` contiguous ranges, one per thread.
    @inline(__always)
    public func forEachRange(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachWorker(count, minimumPerThread: minimumPerThread) { _, range in body(range) }
    }

    /// Chunks per thread in a loop: enough that a thread held back (by a neighbour's process on a
    /// shared machine, or by a slower stretch of the data) leaves its remaining chunks to the others
    /// instead of being waited for at the join; few enough that a chunk is still long.
    static let chunksPerThread = 4

    /// As `forEachRange`, also telling each call which worker (0..<threads) runs it, so that
    /// workers can use scratch buffers of their own. `body` may be called several times per
    /// worker, on contiguous chunks of `0..<count` that the threads take in turn.
    @inline(__always)
    public func forEachWorker(_ count: Int, minimumPerThread: Int = 1, _ body: (_ worker: Int, Range<Int>) -> Void) {
        let t = min(threads, max(1, count / max(1, minimumPerThread)))
        if t <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let chunks = min(count, t * Parallel.chunksPerThread)
        if let pool, pool.run(workers: t, chunks: chunks, { worker, chunk in
            body(worker, Parallel.slice(count, part: chunk, of: chunks))
        }) {
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: t) { k in
            while true {
                let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                body(k, Parallel.slice(count, part: chunk, of: chunks))
            }
        }
    }

    /// Runs `body(worker, part)` for every part in `0..<parts`, spread over the threads.
    @inline(__always)
    public func forEachPart(_ parts: Int, _ body: (_ worker: Int, _ part: Int) -> Void) {
        forEachWorker(parts) { worker, range in
            for part in range { body(worker, part) }
        }
    }

    /// A reduction in a fixed number of parts: `body(worker, part, sums)` adds part `part`'s share
    /// into its own zeroed `length` floats of `buffer` (which holds `parts * length`); the parts are
    /// then added in order into the first `length` floats, which hold the total on return. The
    /// fixed split and order make the total the same bits whatever the thread count.
    public func sumInParts(_ parts: Int, length: Int, buffer: UnsafeMutablePointer<Float>,
                           _ body: (_ worker: Int, _ part: Int, _ sums: UnsafeMutablePointer<Float>) -> Void) {
        forEachPart(parts) { worker, part in
            let sums = buffer + part * length
            sums.update(repeating: 0, count: length)
            body(worker, part, sums)
        }
        // Each float still adds the parts in part order; only the floats are shared out.
        guard parts > 1 else { return }
        forEachRange(length, minimumPerThread: 4096) { range in
            for part in 1..<parts {
                let sums = buffer + part * length
                for k in range { buffer[k] += sums[k] }
            }
        }
    }

    /// The `part`-th of `parts` contiguous, near-equal slices of `0..<count`.
    @inline(__always)
    public static func slice(_ count: Int, part: Int, of parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }
}
