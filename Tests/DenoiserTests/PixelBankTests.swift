import Testing
import Engine
@testable import Denoiser

/// The pixel-bank method's pieces: the bank search, the draws, and the loss's gradient.
struct PixelBankTests {
    /// A gray image that repeats every `period` columns, with a little texture so that patches
    /// differ within a period.
    static func periodic(height: Int, width: Int, period: Int) -> [Float] {
        (0..<(height * width)).map { i in
            let y = i / width, x = i % width
            return 0.2 + 0.6 * Float((x % period) * 7 % period) / Float(period) + 0.05 * Float(y % 3)
        }
    }

    @Test("candidates lie on the stride's lattice, the pixel itself first")
    func candidates() {
        let one = PixelBank.candidates(stride: 1)
        #expect(one.count == 25 * 25 && one[0] == .init(dy: 0, dx: 0))
        #expect(PixelBank.candidates(stride: 2).count == 13 * 13)
        let three = PixelBank.candidates(stride: 3)
        #expect(three.count == 9 * 9 && three.dropFirst().allSatisfy { $0.dy % 3 == 0 && $0.dx % 3 == 0 && ($0.dy, $0.dx) != (0, 0) })
        #expect(PixelBank.candidates(stride: 4).last == .init(dy: 16, dx: 16))
        #expect(PixelBank.reflect(-1, 5) == 1 && PixelBank.reflect(5, 5) == 3 && PixelBank.reflect(2, 5) == 2 && PixelBank.reflect(-9, 5) == 1)
    }

    @Test("in an image that repeats, a pixel's bank is its repeats; the split over threads changes nothing")
    func searchFindsRepeats() {
        let (h, w, period) = (40, 48, 4)
        let image = Self.periodic(height: h, width: w, period: period)
        var bank = PixelBank(pixels: image, channels: 1, imageHeight: h, imageWidth: w, stride: 1, size: 5,
                             parallel: Parallel(threads: 2))
        // Every repeat matches exactly (distance 0): all are accepted.
        bank.accept(PixelBank.Acceptance(fitting: [bank], tau: 2))
        for (y, x) in [(20, 20), (10, 30), (25, 12)] {
            #expect(bank.source(0, y: y, x: x) == (y, x))
            for m in 1..<5 {
                let s = bank.source(m, y: y, x: x)
                // Rows repeat every 3 and columns every 4: every member sits on both grids.
                #expect((s.x - x) % period == 0 && (s.y - y) % 3 == 0, "member \(m) of (\(y), \(x)) at \(s)")
            }
        }
        var single = PixelBank(pixels: image, channels: 1, imageHeight: h, imageWidth: w, stride: 1, size: 5,
                               parallel: Parallel(threads: 1))
        single.accept(PixelBank.Acceptance(fitting: [single], tau: 2))
        #expect(single.members == bank.members)
    }

    /// The patch distance by its definition, in Double: the squared differences over a 7x7 window
    /// in every channel, the image reflected at its borders.
    static func distance(_ image: [Float], channels: Int, height: Int, width: Int, y: Int, x: Int,
                         offset o: PixelBank.Offset) -> Double {
        var sum = 0.0
        for c in 0..<channels {
            for v in -3...3 {
                for u in -3...3 {
                    let a = image[(c * height + PixelBank.reflect(y + v, height)) * width + PixelBank.reflect(x + u, width)]
                    let b = image[(c * height + PixelBank.reflect(y + v + o.dy, height)) * width
                                  + PixelBank.reflect(x + u + o.dx, width)]
                    sum += Double(a - b) * Double(a - b)
                }
            }
        }
        return sum
    }

    @Test("every pixel's bank holds the candidates of smallest patch distance, as the definition finds them",
          arguments: [(stride: 2, channels: 2, every: 1), (stride: 1, channels: 3, every: 11)])
    func searchMatchesTheDefinition(stride: Int, channels: Int, every: Int) {
        // Edge tiles narrower than a vector and rows not a multiple of eight: 53 = 48 + 5 columns.
        let (h, w) = (30, 53)
        var state: UInt64 = 12345
        let image = (0..<(channels * h * w)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let bank = PixelBank(pixels: image, channels: channels, imageHeight: h, imageWidth: w, stride: stride,
                             parallel: Parallel(threads: 2))
        let keep = bank.size - 1, plane = h * w
        for p in Swift.stride(from: 0, to: plane, by: every) {
            let (y, x) = (p / w, p % w)
            let all = bank.offsets.dropFirst().map {
                Self.distance(image, channels: channels, height: h, width: w, y: y, x: x, offset: $0)
            }.sorted()
            let found = (1...keep).map { m in
                let o = bank.offsets[Int(bank.members[m * plane + p])]
                return (Self.distance(image, channels: channels, height: h, width: w, y: y, x: x, offset: o),
                        Double(bank.distances[(m - 1) * plane + p]))
            }
            #expect(Set((1...keep).map { bank.members[$0 * plane + p] }).count == keep, "a candidate twice at \(p)")
            for m in 0..<keep {
                // The m-th member is the m-th nearest, and its recorded distance is its own.
                #expect(abs(found[m].0 - all[m]) <= 1e-4 * all[m], "member \(m + 1) of (\(y), \(x))")
                #expect(abs(found[m].1 - found[m].0) <= 1e-4 * found[m].0, "distance of member \(m + 1) of (\(y), \(x))")
            }
        }
    }

    /// Every candidate's distance at every pixel of `region`, summed in Float in the search's
    /// order, one number at a time: per pixel, the squared differences over the channels in
    /// order; along the row, the window's columns left to right; down the column, a running sum
    /// from the first row of the pixel's search tile (that row's window top to bottom, then each
    /// row's the one before plus the row entering less the row leaving). distances[i][p] for
    /// candidate i and region pixel p.
    static func distancesInSearchOrder(_ image: [Float], channels: Int, height: Int, width: Int,
                                       region: (top: Int, left: Int, height: Int, width: Int),
                                       offsets: [PixelBank.Offset]) -> [[Float]] {
        let half = PixelBank.patch / 2, tile = PixelBank.searchTile
        func value(_ c: Int, _ y: Int, _ x: Int) -> Float {
            image[(c * height + PixelBank.reflect(y, height)) * width + PixelBank.reflect(x, width)]
        }
        return offsets.map { o in
            // rowSums[r + half][x]: the window's row sum at region row r (from -half), column x.
            let rowSums = (-half..<(region.height + half)).map { r in
                // squaredDifferences[u + half]: at region column u (from -half).
                let squaredDifferences = (-half..<(region.width + half)).map { u -> Float in
                    let (y, x) = (region.top + r, region.left + u)
                    var sum: Float = 0
                    for c in 0..<channels {
                        let d = value(c, y, x) - value(c, y + o.dy, x + o.dx)
                        sum += d * d
                    }
                    return sum
                }
                return (0..<region.width).map { x -> Float in
                    var sum = squaredDifferences[x]
                    for k in 1..<PixelBank.patch { sum += squaredDifferences[x + k] }
                    return sum
                }
            }
            var distances = [Float](repeating: .nan, count: region.height * region.width)
            for top in Swift.stride(from: 0, to: region.height, by: tile) {
                for x in 0..<region.width {
                    var sum = rowSums[top][x]
                    for k in 1..<PixelBank.patch { sum += rowSums[top + k][x] }
                    for y in top..<min(top + tile, region.height) {
                        if y > top { sum += rowSums[y + 2 * half][x] - rowSums[y - 1][x] }
                        distances[y * region.width + x] = sum
                    }
                }
            }
            return distances
        }
    }

    @Test("every pixel's bank holds, bit for bit, the first candidates sorted by their distances summed in the search's order",
          arguments: [(stride: 1, channels: 1, region: false), (stride: 2, channels: 3, region: true),
                      (stride: 3, channels: 2, region: false)])
    func searchMatchesItsOrderExactly(stride: Int, channels: Int, region inside: Bool) {
        // Two tile rows and columns, the last of each narrower than a vector at either width: the
        // running sums restart at a tile's first row; the padding's lanes must never be kept.
        let (h, w) = inside ? (70, 64) : (55, 53)
        let region = inside ? (top: 9, left: 6, height: 55, width: 53) : (top: 0, left: 0, height: h, width: w)
        var rng = Random(seed: UInt64(40 + stride))
        let image = (0..<(channels * h * w)).map { _ in rng.uniformFloat() }
        let bank = PixelBank(pixels: image, channels: channels, imageHeight: h, imageWidth: w, region: region, stride: stride,
                             parallel: Parallel(threads: 2))
        let distances = Self.distancesInSearchOrder(image, channels: channels, height: h, width: w, region: region,
                                                    offsets: bank.offsets)
        let plane = region.height * region.width
        var (wrong, wrongBrightness) = (0, 0)
        for p in 0..<plane {
            // Ties go to the earlier candidate.
            let expected = (1..<bank.offsets.count).sorted { (distances[$0][p], $0) < (distances[$1][p], $1) }.prefix(bank.size - 1)
            for (m, candidate) in zip(1..., expected) {
                let member = Int(bank.members[m * plane + p]), distance = bank.distances[(m - 1) * plane + p]
                if member != candidate || distance.bitPattern != distances[candidate][p].bitPattern { wrong += 1 }
            }
            // The brightness: the window's sum over channels, rows and columns in order, over its count.
            let (y, x) = (region.top + p / region.width, region.left + p % region.width)
            var sum: Float = 0
            for c in 0..<channels {
                for v in -3...3 { for u in -3...3 { sum += image[(c * h + PixelBank.reflect(y + v, h)) * w + PixelBank.reflect(x + u, w)] } }
            }
            if bank.brightness[p].bitPattern != (sum / Float(channels * 49)).bitPattern { wrongBrightness += 1 }
        }
        #expect(wrong == 0, "\(wrong) of \(plane * (bank.size - 1)) members or distances differ")
        #expect(wrongBrightness == 0, "\(wrongBrightness) of \(plane) pixels' brightness differ")
    }

    @Test("a region's bank looks across the whole image, reflected at its borders")
    func regions() {
        let (h, w) = (30, 30)
        let image = Self.periodic(height: h, width: w, period: 5)
        let bank = PixelBank(pixels: image, channels: 1, imageHeight: h, imageWidth: w, region: (10, 12, 8, 9), stride: 2,
                             size: 6, parallel: Parallel(threads: 2))
        #expect(bank.height == 8 && bank.width == 9)
        for y in 0..<8 {
            for x in 0..<9 {
                for m in 0..<6 {
                    let s = bank.source(m, y: y, x: x)
                    #expect((0..<h).contains(s.y) && (0..<w).contains(s.x))
                    #expect((s.y - 10 - y) % 2 == 0 || m == 0, "a candidate off the stride-2 lattice")
                }
            }
        }
    }

    @Test("the pixel-bank loss's gradient equals the finite differences")
    func lossGradient() {
        var rng = Random(seed: 5)
        let (c, h, w) = (3, 10, 9)
        let network = Network(channels: c, seed: 2, parallel: Parallel(threads: 2))
        let workspace = Workspace(channels: c, height: h, width: w)
        let target = Tensor(channels: c, height: h, width: w)
        workspace.input.load((0..<(c * h * w)).map { _ in rng.uniformFloat() })
        target.load((0..<(c * h * w)).map { _ in rng.uniformFloat() })
        network.zeroGradients()
        _ = PixelBankObjective.loss(network: network, workspace: workspace, target: target)
        let check = GradientCheck(network: network, analytic: network.gradients, pickSeed: 6) { values in
            network.setParameters(values)
            network.zeroGradients()
            return PixelBankObjective.loss(network: network, workspace: workspace, target: target)
        }
        let (worst, scale, skipped) = (check.worst, check.scale, check.skipped)
        #expect(skipped < 24)
        #expect(worst < 0.03 * scale, "largest difference \(worst) against a largest gradient of \(scale)")
    }

    @Test("the settings follow the measured reach, capped, and each ablated mechanism is gone on its own")
    func settings() {
        let white = PixelBankSettings(reach: 1)
        #expect(white.stride == 1 && white.strideMeasured && white.symmetries && white.tau == 2 && white.draws == 16)
        #expect(white.percentile == 0.1)
        let far = PixelBankSettings(reach: 7)
        #expect(far.stride == PixelBankSettings.maxStride && far.strideMeasured && !far.symmetries && far.tau == 4)
        #expect(far.percentile == 0.25 && PixelBankSettings(reach: 2).percentile == 0.25)
        let unstrided = PixelBankSettings(reach: 3, without: [.stride])
        #expect(unstrided.stride == 1 && !unstrided.strideMeasured && unstrided.symmetries)
        let open = PixelBankSettings(reach: 3, without: [.acceptance])
        #expect(open.stride == 3 && open.tau == .infinity && open.draws == 16)
        #expect(PixelBankSettings(reach: 1, without: [.draws]).draws == 1)
        #expect(!PixelBankSettings(reach: 1, without: [.symmetries]).symmetries)
        #expect(white.aggregation && far.aggregation && !PixelBankSettings(reach: 1, without: [.aggregation]).aggregation)
        #expect(PixelBankSettings(reach: 3, stride: 2).stride == 2)
        // The output's passes: 16 draws up to half a megapixel, 8 draws and 8 symmetries up to a
        // megapixel, fewer above, at least 2.
        #expect(white.ensemble == Dihedral.all && far.ensemble.isEmpty)
        let two = PixelBankSettings(reach: 1, pixels: 2 << 20)
        #expect(two.draws == 4 && two.ensemble == Dihedral.shapePreserving)
        let twelve = PixelBankSettings(reach: 1, pixels: 12_000_000)
        #expect(twelve.draws == 2 && twelve.ensemble.count == 2)
        #expect(PixelBankSettings(reach: 1, pixels: 1 << 20).draws == 8)
        #expect(PixelBankSettings(reach: 1, pixels: 1 << 19).draws == 16)
    }

    /// A searched, not yet accepted bank of a 24x24 image of uniform noise.
    static func noiseBank(seed: UInt64, stride: Int) -> PixelBank {
        var rng = Random(seed: seed)
        let (h, w) = (24, 24)
        let image = (0..<(h * w)).map { _ in rng.uniformFloat() }
        return PixelBank(pixels: image, channels: 1, imageHeight: h, imageWidth: w, region: (0, 0, h, w),
                         stride: stride, parallel: Parallel(threads: 1))
    }

    @Test("with the acceptance taken away every match stays in the bank")
    func acceptanceAblated() {
        var strict = Self.noiseBank(seed: 5, stride: 1)
        var open = strict
        let acceptance = PixelBank.Acceptance(fitting: [strict], tau: 1)
        strict.accept(acceptance)
        var none = acceptance
        none.tau = .infinity
        open.accept(none)
        #expect(open.keptFraction == 1)
        #expect(strict.keptFraction < 1)
    }

    @Test("a higher percentile makes a looser reference: references no lower, and more matches kept")
    func acceptancePercentile() {
        var tight = Self.noiseBank(seed: 7, stride: 2)
        var loose = tight
        let low = PixelBank.Acceptance(fitting: [tight], tau: 1, percentile: 0.1)
        let high = PixelBank.Acceptance(fitting: [tight], tau: 1, percentile: 0.25)
        #expect(low.edges == high.edges)
        #expect(zip(low.references, high.references).allSatisfy { $0 <= $1 })
        #expect(zip(low.references, high.references).contains { $0 < $1 })
        tight.accept(low)
        loose.accept(high)
        #expect(loose.keptFraction > tight.keptFraction, "\(loose.keptFraction) against \(tight.keptFraction)")
    }

    @Test("training is seeded: one seed gives one output bit for bit, whatever the thread count")
    func determinism() throws {
        let (h, w) = (36, 40)
        var rng = Random(seed: 1)
        let image = Self.periodic(height: h, width: w, period: 6).map { min(max($0 + 0.1 * (rng.uniformFloat() - 0.5), 0), 1) }
        func run(_ seed: UInt64, threads: Int) throws -> [Float] {
            let settings = PixelBankSettings(reach: 2)
            let made = try PixelBankMethod.trainer(pixels: image, channels: 1, height: h, width: w, settings: settings,
                                                     plan: TrainingPlan(iterations: 6, stepSize: 3, crop: 24, batch: 2),
                                                     seed: seed, parallel: Parallel(threads: threads))
            #expect(made.trainer.train())
            #expect(made.trainer.lastLoss!.isFinite)
            var output = image
            PixelBankInference.denoiseInPlace(&output, channels: 1, height: h, width: w, network: made.trainer.network,
                                                     settings: settings, acceptance: made.acceptance, seed: seed,
                                                     parallel: Parallel(threads: threads))
            return output
        }
        let a = try run(3, threads: 2)
        #expect(try run(3, threads: 1) == a)
        #expect(try run(4, threads: 2) != a)
    }

    @Test("aggregation averages the noise left in flat regions away and keeps an edge and a lone bright pixel",
          arguments: [1, 2])
    func aggregation(stride: Int) {
        // A first pass's output: two flat halves, a bright point on the dark one, a little noise.
        let (h, w) = (48, 56)
        let star = 20 * w + 12
        var rng = Random(seed: 11)
        let clean = (0..<(h * w)).map { i -> Float in i == star ? 1 : i % w < w / 2 ? 0.3 : 0.7 }
        let first = clean.map { $0 + 0.02 * (rng.uniformFloat() - 0.5) }
        func mse(_ a: [Float], where keep: (Int) -> Bool = { _ in true }) -> Float {
            let idx = (0..<(h * w)).filter(keep)
            return idx.reduce(0) { $0 + (a[$1] - clean[$1]) * (a[$1] - clean[$1]) } / Float(idx.count)
        }
        func aggregated(threads: Int) -> [Float] {
            var out = [Float](repeating: .nan, count: first.count)
            PixelBankInference.aggregate(first, into: &out, channels: 1, height: h, width: w, stride: stride, tau: 2,
                                         percentile: 0.1, parallel: Parallel(threads: threads))
            return out
        }
        let out = aggregated(threads: 2)
        #expect(mse(out) < 0.5 * mse(first), "\(mse(out)) against \(mse(first))")
        // The columns beside the edge stay on their own side.
        let edge: (Int) -> Bool = { [w / 2 - 1, w / 2].contains($0 % w) }
        #expect(mse(out, where: edge) < 0.5 * mse(first, where: edge), "\(mse(out, where: edge)) against \(mse(first, where: edge))")
        #expect(abs(out[star] - first[star]) < 0.01, "the bright pixel went from \(first[star]) to \(out[star])")
        #expect(aggregated(threads: 1) == out)
    }

    @Test("a large image's banks cover seeded regions, not the whole image")
    func largeImageRegions() {
        let small = PixelBankMethod.regions(height: 512, width: 512, crop: (128, 128), seed: 1)
        #expect(small.count == 1 && small[0] == (0, 0, 512, 512))
        let large = PixelBankMethod.regions(height: 3000, width: 4000, crop: (128, 128), seed: 1)
        #expect(large.count == PixelBankMethod.regions && large.allSatisfy { $0.height == 256 && $0.top + 256 <= 3000 && $0.left + 256 <= 4000 })
        let again = PixelBankMethod.regions(height: 3000, width: 4000, crop: (128, 128), seed: 1)
        #expect(zip(large, again).allSatisfy { $0 == $1 })
    }

    @Test("a match farther than tau times its brightness's reference is the pixel itself")
    func acceptance() {
        let (h, w) = (32, 48)
        var rng = Random(seed: 8)
        let image = (0..<(h * w)).map { i -> Float in 0.2 + 0.6 * Float(i % w) / Float(w) + 0.1 * rng.uniformFloat() }
        let searched = PixelBank(pixels: image, channels: 1, imageHeight: h, imageWidth: w, stride: 2, parallel: Parallel(threads: 2))
        let fitted = PixelBank.Acceptance(fitting: [searched], tau: 4)
        #expect(fitted.edges.count == PixelBank.Acceptance.bins - 1 && fitted.references.count == PixelBank.Acceptance.bins && fitted.edges == fitted.edges.sorted())
        #expect(fitted.references.allSatisfy { $0 > 0 })
        func kept(_ tau: Float) -> Double {
            var bank = searched
            var acceptance = fitted
            acceptance.tau = tau
            bank.accept(acceptance)
            return bank.keptFraction
        }
        // No two patches of noise are equal: at tau 0 nothing is kept; a huge tau keeps everything;
        // between, the more tau allows, the more is kept.
        #expect(kept(0) == 0 && kept(1e9) == 1)
        #expect(kept(1) < kept(2) && kept(2) <= kept(4) && kept(4) <= kept(8), "\(kept(1)) \(kept(2)) \(kept(4)) \(kept(8))")
        // Pixels are independent: accepted on two threads (a bank large enough to be split), the same bank.
        let side = 100
        let larger = (0..<(side * side)).map { i -> Float in 0.2 + 0.6 * Float(i % side) / Float(side) + 0.1 * rng.uniformFloat() }
        let large = PixelBank(pixels: larger, channels: 1, imageHeight: side, imageWidth: side, stride: 2, parallel: Parallel(threads: 2))
        let middling = PixelBank.Acceptance(fitting: [large], tau: 1)
        var one = large, two = large
        one.accept(middling)
        two.accept(middling, parallel: Parallel(threads: 2))
        #expect(one.members == two.members && one.keptFraction < 1 && one.keptFraction > 0)
        #expect(PixelBank.Acceptance.bin(2, edges: [1, 2, 3]) == 1 && PixelBank.Acceptance.bin(2.5, edges: [1, 2, 3]) == 2)
    }

    @Test("the flips and turns map pixels as PyTorch's flip and rot90 do")
    func dihedral() {
        // rot90 (counter-clockwise) of [[a b c], [d e f]] is [[c f], [b e], [a d]].
        let turn = Dihedral(1)
        #expect(turn.size(height: 2, width: 3) == (3, 2))
        #expect(turn.source(y: 0, x: 0, height: 2, width: 3) == (0, 2) && turn.source(y: 2, x: 1, height: 2, width: 3) == (1, 0))
        // flip (columns) then turn: [[c b a], [f e d]] turned is [[a d], [b e], [c f]].
        let flipTurn = Dihedral(5)
        #expect(flipTurn.source(y: 0, x: 0, height: 2, width: 3) == (0, 0) && flipTurn.source(y: 2, x: 1, height: 2, width: 3) == (1, 2))
        // Every symmetry is a permutation of the pixels.
        for t in Dihedral.all {
            let (h, w) = t.size(height: 3, width: 5)
            var seen = Set<Int>()
            for y in 0..<h { for x in 0..<w { let s = t.source(y: y, x: x, height: 3, width: 5); seen.insert(s.y * 5 + s.x) } }
            #expect(seen.count == 15)
        }
    }
}
