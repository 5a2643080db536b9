import Foundation
import Testing
@testable import Imaging

/// A gray image from rows of values.
private func gray(_ rows: [[Float]]) -> Image {
    Image(width: rows[0].count, height: rows.count, channels: 1, pixels: rows.flatMap { $0 })
}

/// A gray image whose pixel (x, y) is f(x, y).
private func gray(width: Int, height: Int, _ f: (Int, Int) -> Float) -> Image {
    var px = [Float]()
    px.reserveCapacity(width * height)
    for y in 0..<height { for x in 0..<width { px.append(f(x, y)) } }
    return Image(width: width, height: height, channels: 1, pixels: px)
}

private func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol }

// MARK: - PSNR

@Test func psnrOfTwoByTwoGrayWithKnownMSE() {
    // diffs 0.25, -0.25, 0, 0 -> squares 1/16, 1/16, 0, 0 -> MSE = (2/16)/4 = 1/32
    // PSNR = 10 log10(32) = 15.051499783199...
    let a = gray([[0.5, 0.5], [0.5, 0.5]])
    let b = gray([[0.75, 0.25], [0.5, 0.5]])
    #expect(Metrics.mse(a, b) == 1.0 / 32)
    #expect(close(Metrics.psnr(a, b), 15.051499783199060, 1e-12))
    #expect(Metrics.psnr(a, b) == Metrics.psnr(b, a))
}

@Test func psnrCountsEveryColourChannel() {
    // 2x2 RGB = 12 samples; one sample off by 1 -> MSE = 1/12, PSNR = 10 log10(12) = 10.7918124604762...
    // (on luma it would be 0.114^2/4: this would fail if PSNR looked at luma or one channel).
    let a = Image(width: 2, height: 2, channels: 3)
    var b = a
    b[2, 1, 1] = 1
    #expect(close(Metrics.psnr(a, b), 10.791812460476248, 1e-12))
}

@Test func psnrOfIdenticalImagesIsInfinite() {
    let a = gray([[0.1, 0.2], [0.3, 0.4]])
    #expect(Metrics.psnr(a, a) == .infinity)
    // Alpha is not a colour channel: images differing only in alpha are identical to PSNR.
    var b = a
    b.alpha = [1, 0, 1, 0]
    #expect(Metrics.psnr(a, b) == .infinity)
}

@Test func psnrOfEmptyImagesIsNaN() {
    let e = Image(width: 0, height: 0, channels: 1)
    #expect(Metrics.psnr(e, e).isNaN)
}

// MARK: - Luma

@Test func lumaUsesBT601Weights() {
    // Pixels: red, green, blue, white, black.
    let rgb = Image(width: 5, height: 1, channels: 3, pixels: [
        1, 0, 0, 1, 0,  // R plane
        0, 1, 0, 1, 0,  // G plane
        0, 0, 1, 1, 0,  // B plane
    ])
    let y = Metrics.luma(rgb)
    #expect(y.count == 5)
    #expect(y[0] == 0.299)
    #expect(y[1] == 0.587)
    #expect(y[2] == 0.114)
    #expect(abs(y[3] - 1) < 1e-6)  // the weights sum to 1
    #expect(y[4] == 0)
    // Gray images come back unchanged.
    let g = gray([[0.1, 0.7, 0.3]])
    #expect(Metrics.luma(g) == g.pixels)
}

// MARK: - Sobel / Tenengrad

@Test func sobelOfHorizontalRamp() {
    // I(x, y) = x/8, 4x3. Interior pixels (1,1), (2,1). Gx = (1 + 2 + 1) * (I(x+1) - I(x-1))
    // = 4 * 0.25 = 1, Gy = 0 -> Gx^2 + Gy^2 = 1 at both -> mean 1.
    let ramp = gray(width: 4, height: 3) { x, _ in Float(x) / 8 }
    #expect(close(Metrics.sobel(ramp), 1, 1e-12))
    // The same ramp along y (3x4): Gy = 1, Gx = 0 -> 1.
    let rampY = gray(width: 3, height: 4) { _, y in Float(y) / 8 }
    #expect(close(Metrics.sobel(rampY), 1, 1e-12))
}

@Test func sobelOfVerticalStep() {
    // 3 wide, 5 high: rows 0-2 are 0, rows 3-4 are 1. Interior: x = 1, y = 1, 2, 3.
    // y=1: rows 0 and 2 both 0 -> Gy = 0.  y=2: row 3 - row 1 = (1+2+1)*1 - 0 = 4 -> 16.
    // y=3: row 4 - row 2 = 4 -> 16.  Gx = 0 everywhere.  Mean = (0 + 16 + 16) / 3 = 32/3.
    let step = gray(width: 3, height: 5) { _, y in y >= 3 ? 1 : 0 }
    #expect(close(Metrics.sobel(step), 32.0 / 3, 1e-12))
}

@Test func sobelWorksOnLumaOfRGB() {
    // Only the red plane holds the x/8 ramp: luma = 0.299 x/8 -> Gx = 0.299 -> 0.299^2 = 0.089401.
    var px = [Float](repeating: 0, count: 3 * 12)
    for y in 0..<3 { for x in 0..<4 { px[y * 4 + x] = Float(x) / 8 } }
    let rgb = Image(width: 4, height: 3, channels: 3, pixels: px)
    #expect(close(Metrics.sobel(rgb), 0.089401, 1e-7))
}

// MARK: - Brenner

@Test func brennerOfFourByOne() {
    // [0, 0.25, 0.5, 1]: x=0: (0.5 - 0)^2 = 0.25; x=1: (1 - 0.25)^2 = 0.5625 -> mean 0.8125/2 = 0.40625.
    #expect(Metrics.brenner(gray([[0, 0.25, 0.5, 1]])) == 0.40625)
}

@Test func brennerOfFiveByTwo() {
    // row 0 [0,0,1,1,0]: (1-0)^2 + (1-0)^2 + (0-1)^2 = 3; row 1 constant: 0.
    // (5-2) * 2 = 6 positions -> 3/6 = 0.5.
    #expect(Metrics.brenner(gray([[0, 0, 1, 1, 0], [1, 1, 1, 1, 1]])) == 0.5)
}

// MARK: - Immerkaer noise sigma

@Test func noiseSigmaOfConstantImageIsZero() {
    #expect(Metrics.noiseSigma(gray(width: 7, height: 5) { _, _ in 0.5 }) == 0)
}

@Test func noiseSigmaOfSinglePixel() {
    // 5x5 zeros with I(2,2) = 1. Interior 3x3. |I * N|: centre 4, the 4 edge neighbours |-2| = 2
    // each, the 4 corners 1 each -> sum = 4 + 8 + 4 = 16.
    // sigma = sqrt(pi/2) / (6 * 3 * 3) * 16 * 255 = 94.69484593050446
    let img = gray(width: 5, height: 5) { x, y in x == 2 && y == 2 ? 1 : 0 }
    #expect(close(Metrics.noiseSigma(img), 94.69484593050446, 1e-9))
}

@Test func noiseSigmaIgnoresPlanes() {
    // N is a second difference in both directions: it cancels any plane a + b x + c y.
    // (x/64 + y/32 are exact in Float, so the cancellation is exact.)
    let plane = gray(width: 9, height: 7) { x, y in Float(x) / 64 + Float(y) / 32 }
    #expect(Metrics.noiseSigma(plane) == 0)
}

@Test func noiseSigmaEstimatesGaussianNoise() {
    // Mid-grey plus gauss:10 (no clamping at 5 sigma): Immerkaer should find ~10 on the 0-255 scale.
    // Its standard error on 254^2 interior pixels is well under 0.1; 0.3 leaves room.
    let flat = Image(width: 256, height: 256, channels: 1,
                     pixels: [Float](repeating: 0.5, count: 256 * 256))
    let noisy = NoiseModel.gauss(sigma: 10).apply(to: flat, seed: 3)
    #expect(close(Metrics.noiseSigma(noisy), 10, 0.3))
}

// MARK: - Too small

@Test func tooSmallImagesGiveNaN() {
    let twoWide = gray([[0, 1], [1, 0], [0, 1]])  // 2x3
    #expect(Metrics.sobel(twoWide).isNaN)
    #expect(Metrics.brenner(twoWide).isNaN)
    #expect(Metrics.noiseSigma(twoWide).isNaN)
    // 4x2: Brenner is defined, the 3x3 ones are not. Brenner: row 0 (1-0)^2 + (0-1)^2 = 2,
    // row 1 (0-1)^2 + (0-0)^2 = 1 -> 3 / ((4-2) * 2) = 0.75.
    let twoHigh = gray([[0, 1, 1, 0], [1, 0, 0, 0]])
    #expect(Metrics.sobel(twoHigh).isNaN)
    #expect(Metrics.noiseSigma(twoHigh).isNaN)
    #expect(Metrics.brenner(twoHigh) == 0.75)
    let ten = gray(width: 10, height: 20) { x, _ in Float(x) / 10 }
    #expect(Metrics.ssim(ten, ten).isNaN)  // 10 < 11 wide
    let empty = Image(width: 0, height: 0, channels: 1)
    #expect(Metrics.noReference(empty).sobel.isNaN)
    #expect(Metrics.noReference(empty).brenner.isNaN)
}

// MARK: - SSIM

@Test func ssimOfIdenticalImagesIsOne() {
    let img = gray(width: 16, height: 13) { x, y in Float((x * 5 + y * 3) % 7) / 7 }
    #expect(Metrics.ssim(img, img) == 1)
}

@Test func ssimOfConstants() {
    // Constant images: every local variance and covariance is 0, so SSIM = (2 c1 c2 + C1) /
    // (c1^2 + c2^2 + C1) with C1 = 1e-4: (0.375 + 0.0001) / (0.625 + 0.0001) = 0.6000639897616381.
    let a = gray(width: 16, height: 16) { _, _ in 0.25 }
    let b = gray(width: 16, height: 16) { _, _ in 0.75 }
    #expect(close(Metrics.ssim(a, b), 0.6000639897616381, 1e-9))
    #expect(close(Metrics.ssim(b, a), 0.6000639897616381, 1e-9))
}

@Test func ssimMatchesScikitImage() {
    // Pinned from scikit-image 0.26.0: structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
    // use_sample_covariance=False, data_range=1.0) on float64 copies of these float32 images,
    // a = ((7x + 13y) mod 17)/16, b = ((x^2 + 3y) mod 13)/16, 24x20 -> -0.05802156713871486;
    // RGB (a, b, (a+b)/2) vs (b, a, a), BT.601 luma in float32 first -> 0.7446487971983162.
    let a = gray(width: 24, height: 20) { x, y in Float((x * 7 + y * 13) % 17) / 16 }
    let b = gray(width: 24, height: 20) { x, y in Float((x * x + 3 * y) % 13) / 16 }
    #expect(close(Metrics.ssim(a, b), -0.05802156713871486, 1e-12))
    let mid = zip(a.pixels, b.pixels).map { ($0 + $1) / 2 }
    let rgb1 = Image(width: 24, height: 20, channels: 3, pixels: a.pixels + b.pixels + mid)
    let rgb2 = Image(width: 24, height: 20, channels: 3, pixels: b.pixels + a.pixels + a.pixels)
    #expect(close(Metrics.ssim(rgb1, rgb2), 0.7446487971983162, 1e-12))
}

@Test func ssimDecreasesWithNoise() {
    let clean = gray(width: 64, height: 64) { x, y in
        0.5 + 0.3 * Float(sin(Double(x) / 5) * cos(Double(y) / 7))
    }
    let s = [10.0, 25, 50].map { Metrics.ssim(clean, NoiseModel.gauss(sigma: $0).apply(to: clean, seed: 1)) }
    #expect(s[0] < 1)
    #expect(s[0] > s[1])
    #expect(s[1] > s[2])
    #expect(s[2] > 0)
}

// MARK: - Chunked (parallel) kernels against naive loops

/// Straightforward SSIM: the full 2-D Gaussian window at every valid pixel.
private func naiveSSIM(_ a: [Float], _ b: [Float], _ w: Int, _ h: Int) -> Double {
    var g = [Double](repeating: 0, count: 11)
    for t in 0..<11 { g[t] = exp(-Double((t - 5) * (t - 5)) / (2 * 1.5 * 1.5)) }
    let s = g.reduce(0, +)
    g = g.map { $0 / s }
    var total = 0.0
    for y in 5..<(h - 5) {
        for x in 5..<(w - 5) {
            var mx = 0.0, my = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
            for dy in 0..<11 {
                for dx in 0..<11 {
                    let wt = g[dy] * g[dx], i = (y + dy - 5) * w + (x + dx - 5)
                    let p = Double(a[i]), q = Double(b[i])
                    mx += wt * p; my += wt * q; sxx += wt * p * p; syy += wt * q * q; sxy += wt * p * q
                }
            }
            let c1 = 1e-4, c2 = 9e-4
            total += (2 * mx * my + c1) * (2 * (sxy - mx * my) + c2)
                / ((mx * mx + my * my + c1) * (sxx - mx * mx + syy - my * my + c2))
        }
    }
    return total / Double((w - 10) * (h - 10))
}

@Test func chunkedKernelsMatchNaiveLoops() {
    // 300x240 = 72000 pixels: above the single-chunk limit (65536), so the work is split in row
    // chunks; a chunk-boundary mistake would change the sums.
    let w = 300, h = 240
    let a = gray(width: w, height: h) { x, y in Float((x * 31 + y * 17 + x * y) % 101) / 100 }
    let b = gray(width: w, height: h) { x, y in Float((x * 13 + y * 29) % 97) / 96 }
    #expect(MetricKernels.rowChunks(rows: h - 10, width: w, minRows: 64) > 1)
    #expect(close(Metrics.ssim(a, b), naiveSSIM(a.pixels, b.pixels, w, h), 1e-12))

    let p = a.pixels.map(Double.init)
    var sob = 0.0, imm = 0.0, bren = 0.0
    for y in 0..<h {
        for x in 0..<(w - 2) { let d = p[y * w + x + 2] - p[y * w + x]; bren += d * d }
    }
    for y in 1..<(h - 1) {
        for x in 1..<(w - 1) {
            func I(_ dx: Int, _ dy: Int) -> Double { p[(y + dy) * w + x + dx] }
            let gx = (I(1, -1) + 2 * I(1, 0) + I(1, 1)) - (I(-1, -1) + 2 * I(-1, 0) + I(-1, 1))
            let gy = (I(-1, 1) + 2 * I(0, 1) + I(1, 1)) - (I(-1, -1) + 2 * I(0, -1) + I(1, -1))
            sob += gx * gx + gy * gy
            let n = I(-1, -1) - 2 * I(0, -1) + I(1, -1) - 2 * I(-1, 0) + 4 * I(0, 0) - 2 * I(1, 0)
                + I(-1, 1) - 2 * I(0, 1) + I(1, 1)
            imm += abs(n)
        }
    }
    let m = Metrics.noReference(a)
    #expect(close(m.sobel, sob / Double((w - 2) * (h - 2)), 1e-12 * m.sobel))
    #expect(close(m.brenner, bren / Double((w - 2) * h), 1e-12 * m.brenner))
    let sigma = (Double.pi / 2).squareRoot() / (6 * Double((w - 2) * (h - 2))) * imm * 255
    #expect(close(m.noiseSigma, sigma, 1e-12 * sigma))
    // The single-metric functions agree with the fused pass.
    #expect(Metrics.sobel(a) == m.sobel)
    #expect(Metrics.brenner(a) == m.brenner)
    #expect(Metrics.noiseSigma(a) == m.noiseSigma)

    // PSNR over more than one block of samples.
    // Multiples of 1/64 are exact in Float, so every difference is exactly 1/64:
    // MSE = 1/4096 -> PSNR = 10 log10(4096) = 36.12359947967774 dB.
    let big = gray(width: 600, height: 500) { x, y in Float((x + 2 * y) % 50) / 64 }
    var shifted = big
    for i in shifted.pixels.indices { shifted.pixels[i] += 1.0 / 64 }
    #expect(close(Metrics.psnr(big, shifted), 36.12359947967774, 1e-9))
}

@Test func referenceBundlesPSNRAndSSIM() {
    let a = gray(width: 12, height: 12) { x, y in Float((x * 3 + y) % 5) / 4 }
    let b = gray(width: 12, height: 12) { x, y in Float((x + y * 3) % 5) / 4 }
    let r = Metrics.reference(b, clean: a)
    #expect(r.psnr == Metrics.psnr(b, a))
    #expect(r.ssim == Metrics.ssim(b, a))
}

@Test func rgbNoReferenceMetricsMakeLumaChunkByChunkWithTheSameValues() {
    // Many row chunks, so that the rows each chunk makes (with one above and one below) are tested
    // against the whole luma plane the metrics were once computed on.
    let image = levelImage(width: 301, height: 263, channels: 3, alpha: true, maxLevel: 255, seed: 7)
    #expect(MetricKernels.rowChunks(rows: image.height, width: image.width) > 2)
    let chunked = Metrics.noReference(image)
    let whole = Metrics.noReferencePlane(Metrics.luma(image), width: image.width, height: image.height,
                                         which: [.sobel, .brenner, .noiseSigma])
    #expect(chunked.sobel == whole.sobel && chunked.brenner == whole.brenner && chunked.noiseSigma == whole.noiseSigma)
    #expect(chunked.sobel > 0 && chunked.noiseSigma > 0)
    // A gray image whose plane is that luma measures the same.
    let gray = Image(width: image.width, height: image.height, channels: 1, pixels: Metrics.luma(image))
    #expect(Metrics.noReference(gray).sobel == chunked.sobel)
}
