import Testing
import Engine
@testable import Denoiser

/// Quantiles by selection against their definition on sorted values.
struct QuantilesTests {
    /// numpy's and PyTorch's default: linear interpolation between the order statistics around q (n - 1).
    static func byDefinition(_ values: [Float], _ q: Double) -> Float {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let below = Int(position), fraction = Float(position - Double(below))
        return below + 1 < sorted.count ? sorted[below] + fraction * (sorted[below + 1] - sorted[below]) : sorted[below]
    }

    @Test("the same values as sorting, bit for bit, with duplicates, runs and any size")
    func againstSorting() {
        var rng = Random(seed: 21)
        let qs = [0, 0.1, 0.25, 0.5, 0.9, 1] + (1..<64).map { Double($0) / 64 }
        for n in [0, 1, 2, 3, 17, 100, 5000] {
            let kinds: [[Float]] = [
                (0..<n).map { _ in rng.uniformFloat() },
                (0..<n).map { _ in Float(rng.int(below: 4)) },          // few distinct values
                [Float](repeating: 0.5, count: n),                       // all equal
                (0..<n).map { Float($0) },                               // ascending
                (0..<n).map { Float(n - $0) },                           // descending
            ]
            for values in kinds {
                var reordered = values
                let selected = Quantiles.of(&reordered, qs)
                #expect(selected == qs.map { Self.byDefinition(values, $0) }, "n = \(n)")
                #expect(reordered.sorted() == values.sorted(), "a permutation of the values")
            }
        }
        var five: [Float] = [5, 1, 4, 2, 3]
        #expect(Quantiles.of(&five, [0.1]) == [1.4])
    }
}
