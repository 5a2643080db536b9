import Dispatch
import Foundation
import Synchronization
import Testing
import Engine

/// The loops on a job's worker pool: every item visited exactly once by a worker in range, loop
/// after loop (helpers asleep or spinning between them), a loop inside a loop, and two threads
/// sharing one `Parallel`, which the pool refuses to run at once and hands to Dispatch.
struct ParallelTests {
    /// Counts of visits per item, and whether every worker index was in range.
    private static func visits(_ parallel: Parallel, count: Int, minimumPerThread: Int = 1) -> (counts: [Int], workersInRange: Bool) {
        let counts = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: count)
        for k in 0..<count { (counts + k).initialize(to: Atomic(0)) }
        defer { counts.deinitialize(count: count); counts.deallocate() }
        let outOfRange = Atomic<Int>(0)
        parallel.forEachWorker(count, minimumPerThread: minimumPerThread) { worker, range in
            if worker < 0 || worker >= parallel.threads { outOfRange.add(1, ordering: .relaxed) }
            for k in range { counts[k].add(1, ordering: .relaxed) }
        }
        return ((0..<count).map { counts[$0].load(ordering: .relaxed) }, outOfRange.load(ordering: .relaxed) == 0)
    }

    @Test("every item once, in many loops in a row and after the helpers have slept",
          arguments: [1, 2, 3, 8])
    func everyItemOnce(threads: Int) {
        let parallel = Parallel(threads: threads)
        for (round, count) in [0, 1, 2, 7, 64, 1000, 3, 513].enumerated() {
            // A pause long enough for the helpers to stop spinning and sleep before some loops.
            if round % 3 == 2 { usleep(20_000) }
            let (counts, inRange) = ParallelTests.visits(parallel, count: count)
            #expect(counts.allSatisfy { $0 == 1 }, "\(threads) threads, \(count) items: \(counts.filter { $0 != 1 }.count) visited other than once")
            #expect(inRange)
        }
        for _ in 0..<2_000 {
            #expect(ParallelTests.visits(parallel, count: 17).counts.allSatisfy { $0 == 1 })
        }
    }

    @Test("a loop inside a loop runs, and every inner item once")
    func nestedLoop() {
        let parallel = Parallel(threads: 2)
        let outer = 6, inner = 50
        let total = Atomic<Int>(0)
        parallel.forEachPart(outer) { _, _ in
            let (counts, inRange) = ParallelTests.visits(parallel, count: inner)
            if inRange && counts.allSatisfy({ $0 == 1 }) { total.add(inner, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == outer * inner)
        // Every inner loop found the pool running the outer one.
        #expect(parallel.loopsOnDispatch == outer)
        let own = Parallel(threads: 2)
        _ = ParallelTests.visits(own, count: inner)
        #expect(own.loopsOnDispatch == 0)
    }

    @Test("two threads sharing one Parallel both get every item once")
    func sharedByTwoThreads() {
        let parallel = Parallel(threads: 2)
        let good = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<300 {
                let (counts, inRange) = ParallelTests.visits(parallel, count: 40)
                if inRange && counts.allSatisfy({ $0 == 1 }) { good.add(1, ordering: .relaxed) }
            }
        }
        #expect(good.load(ordering: .relaxed) == 600)
    }

    @Test("sums in parts are the same bits for any thread count")
    func sumsInPartsAreDeterministic() {
        let parts = 8, length = 33
        func total(threads: Int) -> [Float] {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: parts * length)
            defer { buffer.deallocate() }
            Parallel(threads: threads).sumInParts(parts, length: length, buffer: buffer) { _, part, sums in
                for k in 0..<length { for j in 0..<100 { sums[k] += 1 / Float(part * 997 + k * 31 + j + 1) } }
            }
            return Array(UnsafeBufferPointer(start: buffer, count: length))
        }
        let one = total(threads: 1)
        #expect(total(threads: 2) == one && total(threads: 5) == one)
    }
}
