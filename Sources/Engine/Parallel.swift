import Dispatch

/// Work split across cores with Dispatch.
///
/// Every split is static: part `k` of `parts` always covers the same items, whatever the thread
/// count and whatever the timing. Reductions then sum per-part results in part order, which is what
/// makes training bit-for-bit reproducible for a seed.
public enum Parallel {
    /// Threads used by the engine's loops. Defaults to every core.
    nonisolated(unsafe) public static var threads: Int = defaultThreads

    public static var defaultThreads: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(range)` over `0..<count` cut into `threads` contiguous ranges, one per thread.
    @inline(__always)
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 1,
                                    _ body: (Range<Int>) -> Void) {
        let t = min(threads, max(1, count / max(1, minimumPerThread)))
        if t <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { k in
            let range = Parallel.slice(count, part: k, of: t)
            if !range.isEmpty { body(range) }
        }
    }

    /// Runs `body(part)` for every part in `0..<parts`, spread over the engine's threads.
    @inline(__always)
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        forEachRange(parts) { range in
            for part in range { body(part) }
        }
    }

    /// The `part`-th of `parts` contiguous, near-equal slices of `0..<count`.
    @inline(__always)
    public static func slice(_ count: Int, part: Int, of parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }
}

import Foundation
