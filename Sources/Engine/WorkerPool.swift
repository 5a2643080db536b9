import CCPU
import Foundation
import Synchronization

/// The helper threads of one job's engine loops, kept from one loop to the next.
///
/// Why not Dispatch alone: a training iteration runs dozens of short parallel loops (three per
/// convolution, more for the element-wise layers), and `concurrentPerform` hands each to the global
/// pool's threads, which go to sleep between loops; the wake-ups and the waits at the joins left a
/// tenth of two cores idle (1.69 of 2 busy, about 3,000 futex calls a second). Here a helper, once
/// its share of a loop is done, spins a short while, since the next loop usually comes within
/// microseconds, and only then sleeps on a condition variable.
///
/// The caller of a loop is worker 0 and the helpers are workers 1 and up; all of them take chunks
/// in turn from one counter. A pool runs one loop at a time: a loop started while another runs (a
/// loop inside a loop, or another thread's) is refused, and `Parallel` runs it on Dispatch.
final class WorkerPool: @unchecked Sendable {
    private let state: State

    /// A pool for `threads` workers in all (the caller and `threads - 1` helpers). No thread starts
    /// before the first loop, so that a `Parallel` made and never used costs nothing.
    init(threads: Int) {
        precondition(threads >= 2, "a pool has at least one helper")
        state = State(helpers: threads - 1, spins: threads <= Parallel.availableCores ? State.spinLimit : 0)
    }

    deinit { state.stop() }

    /// Runs `body(worker, chunk)` for every chunk in `0..<chunks`, on workers `0..<workers` (the
    /// calling thread is worker 0), and returns when all are done. Returns false, having run
    /// nothing, when the pool is already running a loop.
    func run(workers: Int, chunks: Int, _ body: (_ worker: Int, _ chunk: Int) -> Void) -> Bool {
        let ran = state.run(workers: workers, chunks: chunks, body)
        if !ran { refused.add(1, ordering: .relaxed) }
        return ran
    }

    /// Loops refused because the pool was running another.
    var refusals: Int { refused.load(ordering: .relaxed) }
    private let refused = Atomic<Int>(0)

    private final class State: @unchecked Sendable {
        /// Spin-wait hints a helper polls for the next loop before it sleeps: about 0.1 ms on the
        /// Intel machines (PAUSE is about 40 ns there), half that on AMD's shorter PAUSE.
        static let spinLimit = 2_500

        let helpers: Int
        let spins: Int
        /// Bumped by the caller to publish a loop; a helper runs the loop it sees.
        let generation = Atomic<Int>(0)
        let nextChunk = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let sleepers = Atomic<Int>(0)
        let busy = Atomic<Bool>(false)
        let stopping = Atomic<Bool>(false)
        let wake = NSCondition()
        // Written by the caller before it bumps `generation`, read by the helpers after they see
        // it, and left alone until every helper has counted itself finished.
        var job: ((Int, Int) -> Void)?
        var chunks = 0
        var workers = 0
        var started = false

        init(helpers: Int, spins: Int) {
            self.helpers = helpers
            self.spins = spins
        }

        func run(workers: Int, chunks: Int, _ body: (Int, Int) -> Void) -> Bool {
            guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
            defer { busy.store(false, ordering: .releasing) }
            if !started {
                started = true
                for helper in 1...helpers {
                    let thread = Thread { [self] in helperLoop(helper) }
                    thread.name = "zsn2n-engine-\(helper)"
                    thread.start()
                }
            }
            withoutActuallyEscaping(body) { body in
                job = body
                self.chunks = chunks
                self.workers = workers
                nextChunk.store(0, ordering: .relaxed)
                finished.store(0, ordering: .relaxed)
                generation.add(1, ordering: .sequentiallyConsistent)
                // A helper counts itself a sleeper before it checks `generation` one last time, and
                // both are sequentially consistent: either it sees this loop or this sees it asleep.
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    wake.lock(); wake.broadcast(); wake.unlock()
                }
                work(as: 0)
                var polls = 0
                while finished.load(ordering: .acquiring) < helpers {
                    polls += 1
                    // A helper held off its core (a busy neighbour) gets the core back sooner.
                    if polls < State.spinLimit { zsn2n_cpu_relax() } else { sched_yield() }
                }
                job = nil
            }
            return true
        }

        private func work(as worker: Int) {
            guard worker < workers, let job else { return }
            while true {
                let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                job(worker, chunk)
            }
        }

        private func helperLoop(_ worker: Int) {
            var seen = 0
            while true {
                var polls = 0
                while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed) {
                    polls += 1
                    if polls < spins { zsn2n_cpu_relax(); continue }
                    wake.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen
                        && !stopping.load(ordering: .sequentiallyConsistent) {
                        wake.wait()
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    wake.unlock()
                }
                if stopping.load(ordering: .acquiring) { return }
                seen = generation.load(ordering: .acquiring)
                work(as: worker)
                finished.add(1, ordering: .releasing)
            }
        }

        /// Lets the helpers return (the pool's owner is gone, so no loop can be running).
        func stop() {
            stopping.store(true, ordering: .sequentiallyConsistent)
            wake.lock(); wake.broadcast(); wake.unlock()
        }
    }
}
