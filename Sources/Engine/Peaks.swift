import Dispatch

/// The measured speed of the Winograd matrix products alone, 48 channels to 48 (the middle layers'
/// shape), on a kernel path: every thread multiplies its own full block of tiles (the block
/// `WinogradConv3x3` hands the kernels, in the layout it uses) again and again, forward (also the
/// backward-data products) and for the weight gradient. Set beside `FMAPeak`, it says how much of
/// the FMA peak the engine's densest arithmetic reaches, apart from the transforms and the joins
/// around it. The best of `trials` short runs, as for the peak.
public enum WinogradProductRate {
    public struct Rate: Sendable {
        /// GFLOP/s of the forward products, M = V U (a multiply-add counted as two operations).
        public var forward: Double
        /// GFLOP/s of the weight-gradient products, dU += dM^T V.
        public var weights: Double

        public init(forward: Double, weights: Double) {
            self.forward = forward
            self.weights = weights
        }
    }

    public static let channels = 48

    public static func gflops(_ path: CPUPath, parallel: Parallel, trials: Int = 5) -> Rate {
        let kernels = path.kernels, threads = parallel.threads
        let points = winogradPoints, tiles = WinogradConv3x3.tileCapacity, c = channels
        let blockCount = points * tiles * c, weightCount = points * c * c
        // Per thread: V, M (or dM) and U (or dU); values in [-1, 1) so nothing overflows or goes
        // subnormal over the rounds.
        let buffers = (0..<threads).map { _ in
            (v: UnsafeMutablePointer<Float>.allocate(capacity: blockCount),
             m: UnsafeMutablePointer<Float>.allocate(capacity: blockCount),
             u: UnsafeMutablePointer<Float>.allocate(capacity: weightCount))
        }
        defer { for b in buffers { b.v.deallocate(); b.m.deallocate(); b.u.deallocate() } }
        var random = Random(seed: 1)
        for b in buffers {
            for i in 0..<blockCount { b.v[i] = random.uniformFloat() * 2 - 1; b.m[i] = random.uniformFloat() * 2 - 1 }
            for i in 0..<weightCount { b.u[i] = (random.uniformFloat() * 2 - 1) / Float(c) }
        }
        let multiplyAdds = Double(points * tiles * c * c)
        func best(_ rounds: Int, _ body: (Int) -> Void) -> Double {
            var best = 0.0
            for trial in 0...trials {
                let start = DispatchTime.now().uptimeNanoseconds
                parallel.forEachPart(threads) { _, part in for _ in 0..<rounds { body(part) } }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                // Trial 0 warms up and does not count.
                if trial > 0 { best = max(best, 2 * multiplyAdds * Double(threads * rounds) / seconds / 1e9) }
            }
            return best
        }
        let rounds = 200
        let forward = best(rounds) { part in
            let b = buffers[part]
            kernels.winogradProducts(v: b.v, u: b.u, m: b.m, tiles: tiles, inChannels: c, outChannels: c)
        }
        // dU accumulates over the rounds; rescaled now and then so it stays in range.
        let weights = best(rounds) { part in
            let b = buffers[part]
            kernels.winogradWeightProducts(dm: b.m, v: b.v, du: b.u, tiles: tiles, inChannels: c, outChannels: c)
            if b.u[0].magnitude > 1e6 { for i in 0..<weightCount { b.u[i] *= 1e-6 } }
        }
        precondition(buffers.allSatisfy { $0.m[0].isFinite && $0.u[0].isFinite }, "the products stay finite")
        return Rate(forward: forward, weights: weights)
    }
}

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
