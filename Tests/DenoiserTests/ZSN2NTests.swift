import Testing
import Engine
@testable import Denoiser

/// The whole ZS-N2N loss, through every sampler and all three passes of f, against central finite
/// differences by a sample of the parameters of every layer.
struct ObjectiveTests {
    @Test("loss gradient equals the finite differences", arguments: Sampler.builtins.map(\.name))
    func gradient(samplerName: String) throws {
        let sampler = try #require(Sampler.named(samplerName))
        var rng = Random(seed: 3)
        let (c, h, w) = (3, 11, 9)
        let network = Network(channels: c, seed: 1)
        let objective = try ZSN2NLoss(network: network, sampler: sampler, height: h, width: w)
        objective.full.input.load((0..<(c * h * w)).map { _ in rng.uniformFloat() })

        var source = RandomPoolDraws(rng: Random(seed: 9))
        network.zeroGradients()
        _ = objective.evaluate(draws: &source)
        let analytic = network.gradients
        let recorded = objective.lastDraws

        // The same draws for every perturbed evaluation, so the loss is one function of the weights.
        let check = GradientCheck(network: network, analytic: analytic, pickSeed: 4) { values in
            network.setParameters(values)
            var replay = RecordedPoolDraws(recorded)
            network.zeroGradients()
            return objective.evaluate(draws: &replay)
        }
        let (worst, scale, skipped) = (check.worst, check.scale, check.skipped)
        #expect(skipped < 24, "most differences must be usable; \(skipped) of 72 straddled a kink")
        #expect(scale > 0)
        #expect(worst / scale < 4e-2, "largest difference \(worst) against gradients up to \(scale)")
    }

    @Test("an image smaller than a sampler needs gives a clear error")
    func tooSmall() {
        let network = Network(channels: 1, seed: 0)
        #expect(throws: DenoiserError.self) { try ZSN2NLoss(network: network, sampler: .threeSizeSample, height: 2, width: 8) }
        #expect(throws: DenoiserError.self) { try ZSN2NLoss(network: network, sampler: .original, height: 5, width: 1) }
        do {
            _ = try ZSN2NLoss(network: network, sampler: .threeSizeSample, height: 2, width: 8)
        } catch {
            #expect("\(error)".contains("too small for sampler threeSizeSample"))
        }
    }
}

struct TrainerTests {
    static func noisyRamp(_ c: Int, _ h: Int, _ w: Int) -> [Float] {
        var rng = Random(seed: 42)
        var out: [Float] = []
        for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            let clean = Float(x + y + ch) / Float(w + h + c)
            out.append(min(max(clean + Float(rng.normal()) * 0.1, 0), 1))
        } } }
        return out
    }

    @Test("a seed gives the same output bit for bit, whatever the thread count")
    func determinism() throws {
        let image = Self.noisyRamp(3, 20, 17)
        func run(seed: UInt64, threads: Int, sampler: Sampler) throws -> [Float] {
            let trainer = try ZSN2NMethod.trainer(pixels: image, channels: 3, height: 20, width: 17, sampler: sampler,
                                      plan: TrainingPlan(iterations: 5, stepSize: 2, crop: 16), seed: seed,
                                      parallel: Parallel(threads: threads))
            #expect(trainer.train())
            return zsn2nOutput(trainer, image)
        }
        let a = try run(seed: 1, threads: 2, sampler: .randomPair)
        #expect(try run(seed: 1, threads: 2, sampler: .randomPair) == a)
        #expect(try run(seed: 1, threads: 1, sampler: .randomPair) == a)
        #expect(try run(seed: 2, threads: 2, sampler: .randomPair) != a)
        // A batch of two runs on as many lanes as there are threads, up to two.
        func batch(threads: Int) throws -> [Float] {
            let trainer = try ZSN2NMethod.trainer(pixels: image, channels: 3, height: 20, width: 17, sampler: .randomPair,
                                      plan: TrainingPlan(iterations: 4, stepSize: 2, crop: 12, batch: 2), seed: 1,
                                      parallel: Parallel(threads: threads))
            #expect(trainer.train())
            return zsn2nOutput(trainer, image)
        }
        let b = try batch(threads: 2)
        #expect(try batch(threads: 1) == b)
        #expect(try batch(threads: 3) == b)
    }

    @Test("a batch on lanes is its samples one after another: the same crops and draws, the gradients added in sample order")
    func batchOnLanes() throws {
        let (c, h, w) = (3, 20, 17)
        let image = Self.noisyRamp(c, h, w)
        let start = Network(channels: c, seed: 5).parameters
        var rng = Random(seed: 6)
        let moved = start.map { $0 + 0.05 * (rng.uniformFloat() - 0.5) }
        func objective(batch: Int, threads: Int) throws -> ZSN2NObjective {
            let network = Network(channels: c, parameters: start, parallel: Parallel(threads: threads))
            return try ZSN2NObjective(network: network, sampler: .randomPair, pixels: image, channels: c, height: h,
                                      width: w, crop: (12, 10), batch: batch, seed: 9)
        }
        // Four samples one at a time, each gradient apart; the parameters move after the second.
        let single = try objective(batch: 1, threads: 1)
        var losses: [Double] = [], gradients: [[Float]] = []
        for sample in 0..<4 {
            if sample == 2 { single.network.setParameters(moved) }
            single.network.zeroGradients()
            losses.append(image.withUnsafeBufferPointer { single.evaluateSample(image: $0) })
            gradients.append(single.network.gradients)
        }
        #expect(Set(losses).count == 4, "four different crops and draws")
        for threads in [1, 2, 3] {
            let batched = try objective(batch: 2, threads: threads)
            for round in 0..<2 {
                if round == 1 { batched.network.setParameters(moved) }
                batched.network.zeroGradients()
                let loss = image.withUnsafeBufferPointer { batched.evaluateBatch(2, image: $0) }
                #expect(loss == losses[2 * round] + losses[2 * round + 1], "\(threads) threads, batch \(round)")
                #expect(batched.network.gradients == zip(gradients[2 * round], gradients[2 * round + 1]).map { $0 + $1 },
                        "\(threads) threads, batch \(round)")
            }
        }
    }

    @Test("training lowers the loss, and progress can stop it")
    func trainingProgress() throws {
        let image = Self.noisyRamp(1, 24, 24)
        let trainer = try ZSN2NMethod.trainer(pixels: image, channels: 1, height: 24, width: 24, sampler: .original,
                                  plan: TrainingPlan(iterations: 60, stepSize: 1000), seed: 0)
        var seen: [Int] = []
        let finished = trainer.train { p in seen.append(p.iteration); return p.iteration < 40 }
        #expect(!finished)
        #expect(trainer.iteration == 40 && seen == Array(1...40))
        #expect(trainer.lastLoss! < trainer.firstLoss!)
        #expect(trainer.train())
        #expect(trainer.iteration == 60)
        let out = zsn2nOutput(trainer, image)
        #expect(out.count == 24 * 24 && out.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("a declared kernel pair is validated and samples like a built-in one")
    func declared() throws {
        let mine = try Sampler.declared(name: "myDiagonal", first: [[0, 0.5], [0.5, 0]], second: [[0.5, 0], [0, 0.5]],
                                        stride: 2, divisor: 1)
        #expect(mine.kind == Sampler.original.kind)
        #expect(mine.outputSize(height: 13, width: 10) == (6, 5))
        #expect(throws: DenoiserError.self) { try Sampler.declared(name: "bad", first: [[0, 1], [1]], second: [[0, 1], [1, 0]], stride: 2, divisor: 1) }
        #expect(throws: DenoiserError.self) { try Sampler.declared(name: "bad", first: [[1]], second: [[1]], stride: 0, divisor: 1) }
        #expect(throws: DenoiserError.self) { try Sampler.declared(name: "bad", first: [[1]], second: [[1]], stride: 1, divisor: 0) }
        #expect(throws: DenoiserError.self) { try Sampler.declared(name: "has space", first: [[1]], second: [[1]], stride: 1, divisor: 1) }
    }

    @Test("random pools pick one of each pair, the last of three when the size is odd")
    func randomPool() {
        var draws = RandomPoolDraws(rng: Random(seed: 8))
        var lastRowPicks = Set<Int>()
        for _ in 0..<200 {
            let d = draws.draw(height: 13, width: 10)
            #expect(d.rows.count == 6 && d.cols.count == 5)
            for (i, r) in d.rows.dropLast().enumerated() { #expect(r == 2 * i || r == 2 * i + 1) }
            for (i, col) in d.cols.enumerated() { #expect(col == 2 * i || col == 2 * i + 1) }
            lastRowPicks.insert(d.rows.last!)
        }
        #expect(lastRowPicks == [10, 11, 12])
    }
}
