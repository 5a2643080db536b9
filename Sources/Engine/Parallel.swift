import Dispatch

/// Work split across cores with Dispatch.
///
/// Every split is static: part `k` of `parts` always covers the same items, whatever the thread
/// count and whatever the timing. Reductions then sum per-part results in part order, which is what
/// makes training bit-for-bit reproducible for a seed.
public enum Parallel {
    /// Threads used by the engine's loops. Defaults to every core.
    nonisolated(unsafe) public static var threads: Int = defaultThreads

    /// Runs `body` with the engine on `count` threads, then restores the previous count.
    public static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let saved = threads
        threads = count
        defer { threads = saved }
        return try body()
    }

    public static var defaultThreads: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(range)` over `0..<count` cut into `threads` contiguous ranges, one per thread.
    @inline(__always)
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 1,
                                    _ body: (Range<Int>) -> Void) {
        forEachWorker(count, minimumPerThread: minimumPerThread) { _, range in body(range) }
    }

    /// As `forEachRange`, also telling each call which worker (0..<threads) runs it, so that
    /// workers can use scratch buffers of their own.
    @inline(__always)
    public static func forEachWorker(_ count: Int, minimumPerThread: Int = 1,
                                     _ body: (_ worker: Int, Range<Int>) -> Void) {
        let t = min(threads, max(1, count / max(1, minimumPerThread)))
        if t <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { k in
            let range = Parallel.slice(count, part: k, of: t)
            if !range.isEmpty { body(k, range) }
        }
    }

    /// Runs `body(part)` for every part in `0..<parts`, spread over the engine's threads.
    @inline(__always)
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        forEachWorker(parts) { _, range in
            for part in range { body(part) }
        }
    }

    /// As `forEachPart`, also telling each call which worker runs it.
    @inline(__always)
    public static func forEachPart(_ parts: Int, _ body: (_ worker: Int, _ part: Int) -> Void) {
        forEachWorker(parts) { worker, range in
            for part in range { body(worker, part) }
        }
    }

    /// The `part`-th of `parts` contiguous, near-equal slices of `0..<count`.
    @inline(__always)
    public static func slice(_ count: Int, part: Int, of parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }
}

import Foundation
