import Dispatch

/// The measured FMA peak of a kernel path: every thread runs the suite's `fmaPeak` loop (twelve
/// independent FMA chains, nothing else); GFLOP/s counts an FMA as two operations per lane. The
/// yardstick `zsn2n bench` divides the engine's real arithmetic by. The best of `trials` short runs,
/// so that a neighbour's burst on a shared machine lowers it less.
public enum FMAPeak {
    public static func gflops(_ path: CPUPath, parallel: Parallel, trials: Int = 5) -> Double {
        let kernels = path.kernels, threads = parallel.threads
        let rounds = 1 << 21
        let results = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { results.deallocate() }
        var best = 0.0
        for trial in 0...trials {
            let start = DispatchTime.now().uptimeNanoseconds
            parallel.forEachPart(threads) { _, part in results[part] = kernels.fmaPeak(rounds: rounds) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // Trial 0 warms up (clocks, the registers' upper halves) and does not count.
            if trial > 0 { best = max(best, Double(threads * rounds * kernels.fmaPeakChains * kernels.lanes * 2) / seconds / 1e9) }
        }
        precondition(results[0].isFinite, "the FMA chains stay finite")
        return best
    }
}
