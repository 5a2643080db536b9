import Foundation
import Testing
@testable import Imaging

/// The blind noise-correlation estimate on noise of known correlation over a flat image.
struct NoiseCorrelationTests {
    /// A flat gray image plus noise: white, or averaged over `reach` horizontal neighbours.
    static func image(side: Int, averaging: Int, seed: UInt64) -> Image {
        var rng = TestRandom(seed: seed)
        let white = (0..<(side * (side + averaging))).map { _ in Float.random(in: -1...1, using: &rng) }
        var pixels = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                var s: Float = 0
                for k in 0..<averaging { s += white[y * (side + averaging) + x + k] }
                pixels[y * side + x] = 0.5 + 0.08 * s / Float(averaging)
            }
        }
        return Image(width: side, height: side, channels: 1, pixels: pixels)
    }

    @Test func whiteNoiseIsUncorrelated() {
        let c = NoiseCorrelation.measure(Self.image(side: 128, averaging: 1, seed: 1))
        #expect(c.values.allSatisfy { abs($0) < 0.08 }, "\(c.values)")
        #expect(c.reach == 1)
        #expect(abs(c.sigma - 0.08 / 3.0.squareRoot()) < 0.01, "sigma \(c.sigma)")
    }

    @Test func noiseAveragedOverThreeColumnsReachesThree() {
        // A 3-tap box average: correlation 2/3 at one column, 1/3 at two, 0 at three; none vertically.
        let c = NoiseCorrelation.measure(Self.image(side: 160, averaging: 3, seed: 2))
        #expect(abs(c.at(dy: 0, dx: 1)! - 2.0 / 3) < 0.1, "\(c.values)")
        #expect(abs(c.at(dy: 0, dx: 2)! - 1.0 / 3) < 0.1, "\(c.values)")
        #expect(abs(c.at(dy: 1, dx: 0)!) < 0.08)
        #expect(c.reach == 3)
    }

    /// Shading, with white noise that grows with it (shot noise, sigma 0.05 sqrt(v)): the flattest
    /// tiles overall are the darkest, where the noise is faintest, and the curvature left there
    /// must not read as correlation (with a plane out of the flattest quarter overall: 0.44).
    @Test func whiteShotNoiseOnShadingIsUncorrelated() {
        var rng = TestRandom(seed: 4)
        let side = 256
        var pixels = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let shade = 0.5 + 0.48 * sin(Double(x) / 11) * cos(Double(y) / 13)
                let unit = Double(Float.random(in: -1...1, using: &rng)) * 3.0.squareRoot()  // variance 1
                pixels[y * side + x] = Float(shade + 0.05 * shade.squareRoot() * unit)
            }
        }
        let c = NoiseCorrelation.measure(Image(width: side, height: side, channels: 1, pixels: pixels))
        #expect(c.at(dy: 0, dx: 1)! < NoiseCorrelation.threshold && c.at(dy: 1, dx: 0)! < NoiseCorrelation.threshold, "\(c.values)")
        #expect(c.reach == 1)
    }

    /// White noise plus `weight` times its right neighbour's: a correlation of w / (1 + w^2) at one
    /// column. Below `whiteThreshold` the image is taken as white; above, its reach is two.
    static func weaklyCorrelated(side: Int, weight: Float, seed: UInt64) -> [Float] {
        var rng = TestRandom(seed: seed)
        let white = (0..<(side * (side + 1))).map { _ in Float.random(in: -1...1, using: &rng) }
        return (0..<(side * side)).map { i in
            let y = i / side, x = i % side
            return 0.5 + 0.08 * (white[y * (side + 1) + x] + weight * white[y * (side + 1) + x + 1])
        }
    }

    @Test("a weak neighbour correlation counts as white, a stronger one does not",
          arguments: [(Float(0.12), 1), (Float(0.45), 2)])
    func weakCorrelationIsWhite(weight: Float, reach: Int) {
        let side = 160
        let c = NoiseCorrelation.measure(Image(width: side, height: side, channels: 1,
                                               pixels: Self.weaklyCorrelated(side: side, weight: weight, seed: 5)))
        let expected = Double(weight / (1 + weight * weight))
        #expect(abs(c.at(dy: 0, dx: 1)! - expected) < 0.06, "\(c.values), expected \(expected) at one column")
        #expect(c.reach == reach)
    }

    /// Correlated noise in the blue channel alone, white in red and green: luma, where blue weighs
    /// 0.114, hardly shows it, and the channels' largest correlation is what counts.
    @Test func theMostCorrelatedChannelCounts() {
        let side = 160, plane = side * side
        let red = Self.image(side: side, averaging: 1, seed: 6).pixels, green = Self.image(side: side, averaging: 1, seed: 7).pixels
        let blue = Self.image(side: side, averaging: 3, seed: 8).pixels
        let image = Image(width: side, height: side, channels: 3, pixels: red + green + blue)
        let c = NoiseCorrelation.measure(image)
        let luma = NoiseCorrelation.measure(plane: Metrics.luma(image), width: side, height: side)
        #expect(image.pixels.count == 3 * plane)
        #expect(luma.at(dy: 0, dx: 1)! < NoiseCorrelation.whiteThreshold, "luma \(luma.values)")
        #expect(abs(c.at(dy: 0, dx: 1)! - 2.0 / 3) < 0.1, "\(c.values)")
        #expect(c.reach == 3 && c.sigma == luma.sigma)
    }

    @Test func tooFewTilesAreTakenAsWhite() {
        // The same correlated noise: measured on a 128x128 image (16 flat tiles), not on a 64x64
        // one (4), where texture could not be told from noise.
        #expect(NoiseCorrelation.measure(Self.image(side: 128, averaging: 3, seed: 3)).reach == 3)
        let small = NoiseCorrelation.measure(Self.image(side: 64, averaging: 3, seed: 3))
        #expect(small.tiles == 4 && small.at(dy: 0, dx: 1)! > 0.4)
        #expect(small.reach == 1)
    }

    @Test func tooSmallGivesNothing() {
        let c = NoiseCorrelation.measure(Image(width: 8, height: 8, channels: 1))
        #expect(c.values.allSatisfy { $0 == 0 } && c.reach == 1)
    }
}
