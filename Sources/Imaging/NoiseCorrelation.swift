/// How far the noise of an image reaches, measured blind: on the image alone, no clean reference.
///
/// Real noise is rarely independent from pixel to pixel: demosaicing, in-camera noise reduction
/// and JPEG spread it over a few pixels (neighbour correlations of 0.4 to 0.8 on camera photos),
/// and a denoiser that pairs neighbouring pixels then learns to keep it. What this measures tells
/// the pixel-bank method how far apart the pixels it pairs must be.
///
/// The estimate: the luma image is cut into 16x16 tiles; a least-squares quadratic surface is
/// taken out of each (what remains of a flat tile is mostly noise); the tiles with the smallest
/// remaining variance (the flattest, where structure misleads least) are kept, and the normalised
/// autocorrelation of their residuals is summed over them at each lag. Checked against the true
/// noise (noisy minus clean) on 57 images (the real sets CC, PolyU, SIDD and FMD; gauss:25,
/// gauss:50 and poisson:30 on the 8 test images): every synthetic, white-noise image comes out
/// white (reach 1) and every camera image correlated; two two-photon frames whose true
/// correlation is 0.07 and 0.10 fall either side of the threshold.
/// (`scripts/check-noise-reach.py` prints the comparison.)
public struct NoiseCorrelation: Sendable, Equatable {
    /// The lags measured, (dy, dx): horizontal and vertical out to 4, and both diagonals at 1.
    public static let lags: [(dy: Int, dx: Int)] = [(0, 1), (1, 0), (1, 1), (1, -1), (0, 2), (2, 0), (0, 3), (3, 0), (0, 4), (4, 0)]
    public static let tile = 16
    /// Brightness bands, of equal numbers of tiles, for the second selection of flat tiles.
    public static let bands = 4
    /// Lags below this are taken as uncorrelated.
    public static let threshold = 0.1
    /// Neighbours correlated below this are paired all the same (reach 1): a weak correlation costs
    /// less than a sparser lattice and no flips and turns. On a confocal frame measured at 0.16
    /// (true 0.17), stride 2 gave 29.16 dB and stride 1 31.06 (ZS-N2N 30.73); on a two-photon
    /// frame measured at 0.12 (true 0.04), 31.14 and 32.69.
    public static let whiteThreshold = 0.2

    /// The correlation at each of `lags`, in order.
    public var values: [Double]
    /// The noise's standard deviation on the tiles kept, in [0, 1] units.
    public var sigma: Double
    /// How many flat tiles the estimate rests on.
    public var tiles: Int

    /// Fewer flat tiles than this (an image under about 128x128) cannot tell noise from texture:
    /// on a textured 64x64 crop with white noise the four flattest tiles showed a correlation of
    /// 0.36, and pairing pixels four apart there lost 5 dB against pairing neighbours. Such an
    /// image is taken to have white noise, the assumption that costs least when it is wrong.
    public static let minimumTiles = 16

    /// The correlation at lag (dy, dx), if measured.
    public func at(dy: Int, dx: Int) -> Double? {
        NoiseCorrelation.lags.firstIndex { $0.dy == dy && $0.dx == dx }.map { values[$0] }
    }

    /// The smallest distance L (1 to 4) at which both the horizontal and the vertical correlation
    /// fall below `threshold` (`whiteThreshold` at L = 1); 5 when none does. Pixels L apart carry
    /// (nearly) independent noise. 1 when the estimate rests on fewer than `minimumTiles` tiles.
    public var reach: Int {
        guard tiles >= NoiseCorrelation.minimumTiles else { return 1 }
        for distance in 1...4 {
            let h = at(dy: 0, dx: distance) ?? 1, v = at(dy: distance, dx: 0) ?? 1
            if max(h, v) < (distance == 1 ? NoiseCorrelation.whiteThreshold : NoiseCorrelation.threshold) { return distance }
        }
        return 5
    }

    /// Measures `image`. An image smaller than one tile gives zero correlation.
    ///
    /// For RGB, the correlation at each lag is the largest of the three channels' and the sigma is
    /// luma's. The pairs a denoiser draws are per channel, and a camera's demosaicing correlates
    /// each channel more than their mix: on the SIDD pairs the true (noisy minus clean)
    /// neighbour correlation is 0.25 to 0.37 in luma and 0.30 to 0.64 in the channels, and a phone
    /// frame read as 0.12 in luma lost 4.1 dB when treated as white (sidd_11: 32.31 -> 28.17).
    public static func measure(_ image: Image) -> NoiseCorrelation {
        let luma = measure(plane: Metrics.luma(image), width: image.width, height: image.height)
        guard image.channels > 1 else { return luma }
        let channels = (0..<image.channels).map { c in
            measure(plane: Array(image.pixels[c * image.planeSize..<(c + 1) * image.planeSize]),
                    width: image.width, height: image.height)
        }
        let values = luma.values.indices.map { lag in channels.map { $0.values[lag] }.max()! }
        return NoiseCorrelation(values: values, sigma: luma.sigma, tiles: luma.tiles)
    }

    /// Measures one plane of `width` x `height` values.
    static func measure(plane luma: [Float], width w: Int, height h: Int) -> NoiseCorrelation {
        let t = tile
        let tilesX = w / t, tilesY = h / t
        guard tilesX > 0, tilesY > 0 else { return NoiseCorrelation(values: lags.map { _ in 0 }, sigma: 0, tiles: 0) }
        let n = t * t
        let basis = surfaceBasis
        var residuals = [Double](repeating: 0, count: tilesX * tilesY * n)
        var variances = [Double](repeating: 0, count: tilesX * tilesY)
        var means = [Double](repeating: 0, count: tilesX * tilesY)
        // Tiles are independent: rows of tiles in parallel, each tile computed as it would be alone.
        residuals.withUnsafeMutableBufferPointer { residuals in
            variances.withUnsafeMutableBufferPointer { variances in
                means.withUnsafeMutableBufferPointer { means in
                    // Rows of tiles, each tilesX * n pixels: at least two (32 pixel rows) a chunk.
                    let chunks = MetricKernels.rowChunks(rows: tilesY, width: tilesX * n, minRows: 2)
                    MetricKernels.parallelFor(chunks) { k in
                        var tileValues = [Double](repeating: 0, count: n)
                        for ty in MetricKernels.chunkRange(k, of: chunks, rows: tilesY) {
                            for tx in 0..<tilesX {
                                let index = ty * tilesX + tx
                                for y in 0..<t {
                                    for x in 0..<t { tileValues[y * t + x] = Double(luma[(ty * t + y) * w + tx * t + x]) }
                                }
                                means[index] = tileValues.reduce(0, +) / Double(n)
                                // What the surface leaves: the value minus its projection on the (orthonormal) basis.
                                let coefficients = basis.map { q in zip(q, tileValues).reduce(0) { $0 + $1.0 * $1.1 } }
                                var variance = 0.0
                                for i in 0..<n {
                                    var r = tileValues[i]
                                    for (q, a) in zip(basis, coefficients) { r -= a * q[i] }
                                    residuals[index * n + i] = r
                                    variance += r * r
                                }
                                variances[index] = variance / Double(n)
                            }
                        }
                    }
                }
            }
        }
        // Two selections of flat tiles. Texture and shading add correlation and never take it away,
        // so each selection overestimates, and the smaller value at each lag is the better one:
        // the flattest quarter of all tiles, and the flattest quarter within each brightness band.
        // The second matters where the noise grows with the signal (shot noise): there the
        // flattest tiles overall are the darkest, where the noise is faintest and what texture the
        // surface leaves reads as correlation (0.2 at one pixel on white Poisson noise).
        let flattest = flattestQuarter(of: Array(variances.indices), variances: variances)
        let byBrightness = ascending(Array(means.indices), by: means)
        let bandCount = min(bands, byBrightness.count)
        var banded: [Int] = []
        for band in 0..<bandCount {
            let lower = band * byBrightness.count / bandCount, upper = (band + 1) * byBrightness.count / bandCount
            banded += flattestQuarter(of: Array(byBrightness[lower..<upper]), variances: variances)
        }
        let values = zip(correlations(residuals, tiles: flattest), correlations(residuals, tiles: banded)).map { min($0, $1) }
        // The mean variance of the flattest residuals, corrected for the fitted parameters.
        let mean = flattest.reduce(0) { $0 + variances[$1] } / Double(flattest.count)
        return NoiseCorrelation(values: values, sigma: (mean * Double(n) / Double(n - basis.count)).squareRoot(),
                                tiles: flattest.count)
    }

    /// The quarter of `tiles` with the smallest residual variance (at least one), ties by index.
    static func flattestQuarter(of tiles: [Int], variances: [Double]) -> [Int] {
        Array(ascending(tiles, by: variances).prefix(max(1, tiles.count / 4)))
    }

    /// `tiles` in ascending order of their `values`, ties by index (so that the order is fixed).
    static func ascending(_ tiles: [Int], by values: [Double]) -> [Int] {
        tiles.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
    }

    /// The normalised autocorrelation at each lag of the residuals of `tiles`, summed over them
    /// (the lags in parallel, each summed in tile order).
    static func correlations(_ residuals: [Double], tiles: [Int]) -> [Double] {
        var values = [Double](repeating: 0, count: lags.count)
        values.withUnsafeMutableBufferPointer { values in
            MetricKernels.parallelFor(lags.count) { k in values[k] = correlation(residuals, tiles: tiles, lag: lags[k]) }
        }
        return values
    }

    /// One lag's normalised autocorrelation, summed over `tiles` in order.
    private static func correlation(_ residuals: [Double], tiles: [Int], lag: (dy: Int, dx: Int)) -> Double {
        let t = tile, n = t * t
        var ab = 0.0, aa = 0.0, bb = 0.0
        let y0 = max(0, -lag.dy), y1 = t - max(0, lag.dy), x0 = max(0, -lag.dx), x1 = t - max(0, lag.dx)
        for index in tiles {
            let r = index * n
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let a = residuals[r + y * t + x], b = residuals[r + (y + lag.dy) * t + x + lag.dx]
                    ab += a * b; aa += a * a; bb += b * b
                }
            }
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// An orthonormal basis (Gram-Schmidt) of the quadratic surfaces over a tile: 1, y, x, y^2,
    /// x^2, xy, centred. A plane alone left the curvature of shading and soft edges, which reads as
    /// correlated noise; on the 57 images of the check above, a quadratic halved the white-noise
    /// images taken as correlated.
    static let surfaceBasis: [[Double]] = {
        let t = tile, centre = Double(t - 1) / 2
        let terms: [(Double, Double) -> Double] = [{ _, _ in 1 }, { y, _ in y }, { _, x in x },
                                                   { y, _ in y * y }, { _, x in x * x }, { y, x in y * x }]
        var basis: [[Double]] = []
        for term in terms {
            var v = (0..<(t * t)).map { term(Double($0 / t) - centre, Double($0 % t) - centre) }
            for q in basis {
                let dot = zip(q, v).reduce(0) { $0 + $1.0 * $1.1 }
                for i in v.indices { v[i] -= dot * q[i] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            basis.append(v.map { $0 / norm })
        }
        return basis
    }()
}
