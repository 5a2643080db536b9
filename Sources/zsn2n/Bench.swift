import ArgumentParser
import Denoiser
import Engine
import Foundation
import Platform

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time ZS-N2N training iterations on a random image: the paper's, on the whole image, or a batch of crops.",
        discussion: """
        FLOP per iteration are counted as the PyTorch reference counts them:
        3 * 2 * (9*C*48 + 9*48*48 + 48*C) * H*W * 1.5 (forward on the image and both half images, \
        backward about twice the forward), with H*W the pixels trained on per iteration (--batch crops \
        of --crop, or the whole image). Beside it, the arithmetic the engine really performs \
        (Winograd products and transforms as implemented; EngineWork) and the fraction of the FMA \
        peak measured on this machine with the same kernel path that this makes; and the speed of \
        the 48->48 Winograd products alone (one full block of tiles per thread, forward and weight \
        gradient) as a fraction of that peak.
        """)

    @Option(help: "Image side in pixels.") var size = 256
    @Option(help: "Colour channels: 1 or 3.") var channels = 1
    @Option(help: "Timed iterations (after 3 warm-up iterations).") var iterations = 20
    @Option(help: "Sampler.") var sampler = "original"
    @Option(help: "Train on random crops of this side (as ZS-N2N's `balanced` does with 104), not the whole image.") var crop: Int?
    @Option(help: "Crops per iteration, each on a lane of its own (with --crop).") var batch = 1
    @OptionGroup var engine: ThreadOptions
    @Flag(help: "Print JSON.") var json = false

    /// `--json`: one line, keys as JSONFormat writes them (snake_case, sorted).
    struct Report: Encodable {
        struct Work: Encodable {
            var multiplyAdds: Int
            var winogradProductMultiplyAdds: Int
            var otherFlops: Int
            var flops: Int
        }
        struct Products: Encodable {
            var forwardGflops: Double
            var forwardFractionOfPeak: Double
            var weightsGflops: Double
            var weightsFractionOfPeak: Double
        }
        var size: Int
        var crop: Int
        var batch: Int
        var channels: Int
        var iterations: Int
        var threads: Int
        var sampler: String
        var cpu: String
        var msPerIteration: Double
        var gflops: Double
        var workPerIteration: Work
        var realGflops: Double
        var fmaPeakGflops: [String: Double]
        var fractionOfPeak: Double
        /// The underscore keeps the key `winograd_products_48` (snake_case puts none before digits).
        var winogradProducts_48: Products
        var memoryBytes: Int
        var memoryMeasuredBytes: Int
        var memory: [String: Int]
    }

    func validate() throws {
        guard channels == 1 || channels == 3 else { throw ValidationError("--channels must be 1 or 3") }
        guard size >= 4 else { throw ValidationError("--size must be at least 4") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard crop.map({ $0 >= 4 && $0 <= size }) ?? true else { throw ValidationError("--crop must be from 4 to --size") }
        guard batch >= 1, batch == 1 || crop != nil else { throw ValidationError("--batch needs --crop, and must be at least 1") }
    }

    func run() throws {
        let parallel = try engine.parallel()
        guard let chosen = Sampler.named(sampler) else { throw ValidationError("unknown sampler \(sampler)") }
        var rng = Random(seed: 7)
        let pixels = (0..<(channels * size * size)).map { _ in rng.uniformFloat() }
        let plan = TrainingPlan(iterations: iterations + 3, stepSize: 1000, crop: crop, batch: batch)
        let side = crop ?? size
        // The heap before and after the trainer and its first steps (which allocate the gradient
        // maps): what the engine really allocated, beside what its memory plan says.
        let heapBefore = HeapUsage.bytesInUse
        let trainer = try ZSN2NMethod.trainer(pixels: pixels, channels: channels, height: size, width: size,
                                              sampler: chosen, plan: plan, seed: 0, parallel: parallel)
        for _ in 0..<3 { trainer.step() }
        let measuredBytes = HeapUsage.bytesInUse - heapBefore
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { trainer.step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let e = Double(Network.features), c = Double(channels)
        let flop = 3 * 2 * (9 * c * e + 9 * e * e + e * c) * Double(batch * side * side) * 1.5
        let ms = 1000 * seconds / Double(iterations)
        let gflops = flop * Double(iterations) / seconds / 1e9
        let work = trainer.workPerIteration
        let realGflops = Double(work.flops) * Double(iterations) / seconds / 1e9
        // The peak of every path this CPU can run, the path in use first.
        let paths = CPUPath.cpuHasAVX512 ? [CPUPath.current] + CPUPath.allCases.filter { $0 != CPUPath.current } : [.avx2]
        // Peaks and products measured in turns, each the best of its turns: a neighbour's burst on a
        // shared machine (or the test suite's other tests) then slows both alike, and a fraction of
        // the peak above 1 stays a sign of a wrong count rather than of when each was measured.
        var peaks = [String: Double](), products = WinogradProductRate.Rate(forward: 0, weights: 0)
        for _ in 0..<3 {
            for path in paths { peaks[path.rawValue] = max(peaks[path.rawValue] ?? 0, FMAPeak.gflops(path, parallel: parallel, trials: 2)) }
            let rate = WinogradProductRate.gflops(CPUPath.current, parallel: parallel, trials: 2)
            products = .init(forward: max(products.forward, rate.forward), weights: max(products.weights, rate.weights))
        }
        let peak = peaks[CPUPath.current.rawValue]!
        let fraction = realGflops / peak
        if json {
            let memory = trainer.memory
            print(try JSONFormat.line(Report(
                size: size, crop: side, batch: batch, channels: channels, iterations: iterations,
                threads: parallel.threads, sampler: chosen.name, cpu: CPUPath.current.rawValue,
                msPerIteration: ms, gflops: gflops,
                workPerIteration: .init(multiplyAdds: work.multiplyAdds, winogradProductMultiplyAdds: work.productMultiplyAdds,
                                        otherFlops: work.otherFlops, flops: work.flops),
                realGflops: realGflops, fmaPeakGflops: peaks, fractionOfPeak: fraction,
                winogradProducts_48: .init(forwardGflops: products.forward, forwardFractionOfPeak: products.forward / peak,
                                           weightsGflops: products.weights, weightsFractionOfPeak: products.weights / peak),
                memoryBytes: memory.totalBytes, memoryMeasuredBytes: measuredBytes,
                memory: Dictionary(uniqueKeysWithValues: memory.items.map { ($0.name, $0.bytes) }))))
        } else {
            let trained = crop == nil ? "" : String(format: " (%d crop(s) of %dx%d)", batch, side, side)
            print(String(format: "%dx%d%@, %d channel(s), %d threads, %@ kernels: %.1f ms per iteration, %.1f GFLOP/s, %.1f MB of buffers (%.1f MB allocated)",
                         size, size, trained, channels, parallel.threads, CPUPath.current.rawValue, ms, gflops, Double(trainer.memory.totalBytes) / 1e6,
                         Double(measuredBytes) / 1e6))
            print(String(format: "real arithmetic: %.2f G multiply-adds (%.2f G in Winograd products) + %.2f G other FLOP per iteration, %.1f GFLOP/s, %.0f%% of the measured %@ FMA peak (%@)",
                         Double(work.multiplyAdds) / 1e9, Double(work.productMultiplyAdds) / 1e9, Double(work.otherFlops) / 1e9,
                         realGflops, 100 * fraction, CPUPath.current.rawValue,
                         paths.map { String(format: "%@ %.0f GFLOP/s", $0.rawValue, peaks[$0.rawValue]!) }.joined(separator: ", ")))
            print(String(format: "48->48 Winograd products alone: forward %.1f GFLOP/s (%.0f%% of peak), weight gradient %.1f GFLOP/s (%.0f%%)",
                         products.forward, 100 * products.forward / peak, products.weights, 100 * products.weights / peak))
        }
    }
}
