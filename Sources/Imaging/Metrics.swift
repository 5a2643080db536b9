

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Image quality metrics: with a clean reference (PSNR, SSIM) and without one (Sobel/Tenengrad
/// sharpness, Brenner focus, Immerkaer noise sigma). docs/method.md, "Metrics".
///
/// Conventions shared by every metric here:
/// - Inputs are `Image`s on [0, 1] floats; alpha is ignored (metrics see the colour samples only).
/// - Sums are accumulated in Double. Work is split across cores in chunks chosen from the image size
///   only, and partial sums are added in chunk order, so a result is the same bits on every machine.
/// - An image too small for a metric (see each function) gives `Double.nan`, never a crash. PSNR of
///   identical images is `+infinity`. Neither is representable in JSON: whoever encodes these (the
///   sidecar) has to map non-finite values, e.g. to null.
public enum Metrics {}

extension Metrics {
    // MARK: - Full reference

    /// PSNR and SSIM of `image` against `clean`.
    public static func reference(_ image: Image, clean: Image) -> ReferenceMetrics {
        ReferenceMetrics(psnr: psnr(image, clean), ssim: ssim(image, clean))
    }

    /// Mean squared error over every colour sample (all channels, alpha excluded), in Double.
    /// nan for an empty image.
    public static func mse(_ a: Image, _ b: Image) -> Double {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels,
                     "mse: images differ in size or channels (\(a.width)x\(a.height)x\(a.channels) vs \(b.width)x\(b.height)x\(b.channels))")
        let n = a.pixels.count
        if n == 0 { return .nan }
        let block = 1 << 18
        let blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                partial.withUnsafeMutableBufferPointer { out in
                    let x = pa.baseAddress!, y = pb.baseAddress!, o = out.baseAddress!
                    MetricKernels.parallelFor(blocks) { k in
                        let start = k * block, end = min(n, start + block)
                        // Four running sums so the adds do not wait on each other.
                        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                        var i = start
                        while i + 4 <= end {
                            let d0 = Double(x[i]) - Double(y[i]), d1 = Double(x[i + 1]) - Double(y[i + 1])
                            let d2 = Double(x[i + 2]) - Double(y[i + 2]), d3 = Double(x[i + 3]) - Double(y[i + 3])
                            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
                            i += 4
                        }
                        while i < end { let d = Double(x[i]) - Double(y[i]); s0 += d * d; i += 1 }
                        o[k] = (s0 + s1) + (s2 + s3)
                    }
                }
            }
        }
        var total = 0.0
        for p in partial { total += p }
        return total / Double(n)
    }

    /// Peak signal-to-noise ratio in dB on [0, 1] floats, over all colour channels:
    ///
    ///     PSNR = 10 log10(1 / MSE),   MSE = mean over every sample of (a - b)^2
    ///
    /// (peak 1 because the data range is [0, 1]; this is the study's `10 * log10(1 / mse_loss)`).
    /// +infinity when the images are identical, nan when they are empty.
    /// Precondition: same width, height and channels.
    public static func psnr(_ a: Image, _ b: Image) -> Double {
        let m = mse(a, b)
        if m.isNaN { return .nan }
        if m == 0 { return .infinity }
        return 10 * log10(1 / m)
    }

    /// Structural similarity (Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment: from error
    /// visibility to structural similarity", IEEE TIP 13(4), 2004), on luma (see `luma`).
    ///
    /// Per pixel, with Gaussian-weighted local statistics (window 11x11, sigma 1.5, weights
    /// exp(-d^2 / (2 sigma^2)) normalised to sum 1, separable):
    ///
    ///     mu_x = G*x,  mu_y = G*y
    ///     s_x^2 = G*(x^2) - mu_x^2,  s_y^2 = G*(y^2) - mu_y^2,  s_xy = G*(xy) - mu_x mu_y
    ///                                     (population covariance: no n/(n-1) factor)
    ///     SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))
    ///     C1 = (K1 L)^2, C2 = (K2 L)^2, K1 = 0.01, K2 = 0.03, data range L = 1
    ///
    /// and the result is the mean of the SSIM map over the pixels at least 5 = (11-1)/2 from every
    /// edge. This is exactly scikit-image's `structural_similarity(a, b, gaussian_weights=True,
    /// sigma=1.5, use_sample_covariance=False, data_range=1.0)`: it filters the whole image with
    /// 'reflect' edges and then crops 5 pixels from each side before averaging; the windows of the
    /// pixels it keeps never reach past the edge, so computing only those pixels ("valid" filtering)
    /// gives the same numbers without any edge handling.
    ///
    /// nan when the image is smaller than 11 pixels in either direction (scikit-image raises there).
    /// Precondition: same width, height and channels.
    public static func ssim(_ a: Image, _ b: Image) -> Double {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels,
                     "ssim: images differ in size or channels (\(a.width)x\(a.height)x\(a.channels) vs \(b.width)x\(b.height)x\(b.channels))")
        if a.width < ssimWindow || a.height < ssimWindow { return .nan }
        let la = luma(a), lb = luma(b)
        return ssim(luma: la, luma: lb, width: a.width, height: a.height)
    }

    /// The SSIM window side (11) and Gaussian sigma (1.5); scikit-image's window is
    /// 2 * Int(3.5 sigma + 0.5) + 1 = 11 for sigma 1.5 (truncate 3.5).
    public static let ssimWindow = 11
    public static let ssimSigma = 1.5

    /// `ssim` on two luma planes of `width * height` values each (row-major).
    public static func ssim(luma a: [Float], luma b: [Float], width: Int, height: Int) -> Double {
        precondition(a.count == width * height && b.count == width * height, "ssim: plane sizes do not match \(width)x\(height)")
        let win = ssimWindow, radius = win / 2
        if width < win || height < win { return .nan }
        let W = width
        let ow = width - 2 * radius, oh = height - 2 * radius

        // Gaussian weights, as scipy.ndimage.gaussian_filter1d makes them: exp(-0.5 d^2 / sigma^2)
        // for d in -5...5, divided by their sum.
        var g = [Double](repeating: 0, count: win)
        var gsum = 0.0
        for t in 0..<win {
            let d = Double(t - radius)
            g[t] = exp(-0.5 * d * d / (ssimSigma * ssimSigma))
            gsum += g[t]
        }
        for t in 0..<win { g[t] /= gsum }
        // The taps as constants the compiler can keep in registers (symmetric: g[5-i] == g[5+i]).
        let g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5]

        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03

        let chunks = MetricKernels.rowChunks(rows: oh, width: W, minRows: 64)
        var partial = [Double](repeating: 0, count: chunks)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                partial.withUnsafeMutableBufferPointer { partialOut in
                    let pA = pa.baseAddress!, pB = pb.baseAddress!, po = partialOut.baseAddress!
                    MetricKernels.parallelFor(chunks) { k in
                        // Per-worker scratch: five vertically filtered rows of full width, and one
                        // row of SSIM values.
                        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5 * W + ow)
                        defer { scratch.deallocate() }
                        let vA = scratch, vB = scratch + W, vAA = scratch + 2 * W
                        let vBB = scratch + 3 * W, vAB = scratch + 4 * W, sRow = scratch + 5 * W
                        var chunkSum = 0.0
                        for oy in MetricKernels.chunkRange(k, of: chunks, rows: oh) {
                            // Vertical pass: input rows oy ... oy+10 (centre oy+5), every column.
                            let rowA = pA + oy * W, rowB = pB + oy * W
                            for x in 0..<W {
                                var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
                                @inline(__always) func tap(_ w: Double, _ t: Int) {
                                    let xa = Double(rowA[t * W + x]), xb = Double(rowB[t * W + x])
                                    sa += w * xa; sb += w * xb
                                    saa += w * (xa * xa); sbb += w * (xb * xb); sab += w * (xa * xb)
                                }
                                tap(g0, 0); tap(g1, 1); tap(g2, 2); tap(g3, 3); tap(g4, 4); tap(g5, 5)
                                tap(g4, 6); tap(g3, 7); tap(g2, 8); tap(g1, 9); tap(g0, 10)
                                vA[x] = sa; vB[x] = sb; vAA[x] = saa; vBB[x] = sbb; vAB[x] = sab
                            }
                            // Horizontal pass over the valid columns, then the SSIM formula.
                            for j in 0..<ow {
                                @inline(__always) func h(_ v: UnsafeMutablePointer<Double>) -> Double {
                                    let p = v + j
                                    return g0 * (p[0] + p[10]) + g1 * (p[1] + p[9]) + g2 * (p[2] + p[8])
                                        + g3 * (p[3] + p[7]) + g4 * (p[4] + p[6]) + g5 * p[5]
                                }
                                let mx = h(vA), my = h(vB)
                                let vx = h(vAA) - mx * mx, vy = h(vBB) - my * my, vxy = h(vAB) - mx * my
                                let num = (2 * mx * my + c1) * (2 * vxy + c2)
                                let den = (mx * mx + my * my + c1) * (vx + vy + c2)
                                sRow[j] = num / den
                            }
                            chunkSum += MetricKernels.sumDoubles(sRow, ow)
                        }
                        po[k] = chunkSum
                    }
                }
            }
        }
        var total = 0.0
        for p in partial { total += p }
        return total / Double(ow * oh)
    }

    // MARK: - No reference

    /// Tenengrad sharpness on luma in [0, 1]:
    ///
    ///     sobel = mean over interior pixels (1 <= x <= W-2, 1 <= y <= H-2) of Gx^2 + Gy^2
    ///     Gx = [[-1,0,1],[-2,0,2],[-1,0,1]] * I,   Gy = [[-1,-2,-1],[0,0,0],[1,2,1]] * I
    ///
    /// (Tenenbaum 1970 / Krotkov 1987, the "Tenengrad" focus measure, here without a threshold and
    /// divided by the (W-2)(H-2) interior pixels so that sizes compare.) nan when W or H < 3.
    public static func sobel(_ image: Image) -> Double {
        noReference(image, which: [.sobel]).sobel
    }

    /// Brenner focus measure on luma in [0, 1] (Brenner et al. 1976):
    ///
    ///     brenner = mean over 0 <= x <= W-3, 0 <= y <= H-1 of (I(x+2, y) - I(x, y))^2
    ///
    /// divided by the (W-2) H valid positions. nan when W < 3.
    public static func brenner(_ image: Image) -> Double {
        noReference(image, which: [.brenner]).brenner
    }

    /// Immerkaer's fast noise variance estimate (J. Immerkaer, "Fast Noise Variance Estimation",
    /// Computer Vision and Image Understanding 64(2), 1996), on luma in [0, 1]:
    ///
    ///     sigma = sqrt(pi/2) / (6 (W-2)(H-2)) * sum over interior pixels of |I * N|
    ///     N = [[1,-2,1],[-2,4,-2],[1,-2,1]]
    ///
    /// (N is the difference of two Laplacians, so it cancels image structure up to second order and
    /// keeps noise; 6 = sqrt(36) = the norm of N, sqrt(pi/2) turns the mean absolute value of a
    /// Gaussian into its sigma.) Reported on the 0-255 scale, i.e. multiplied by 255.
    /// nan when W or H < 3.
    public static func noiseSigma(_ image: Image) -> Double {
        noReference(image, which: [.noiseSigma]).noiseSigma
    }

    /// Sobel/Tenengrad, Brenner and Immerkaer noise sigma together, in one pass over the luma.
    public static func noReference(_ image: Image) -> NoReferenceMetrics {
        noReference(image, which: [.sobel, .brenner, .noiseSigma])
    }

    /// The no-reference metrics of a luma plane of `width * height` values (row-major, [0, 1]).
    public static func noReference(luma: [Float], width: Int, height: Int) -> NoReferenceMetrics {
        precondition(luma.count == width * height, "noReference: plane size does not match \(width)x\(height)")
        return noReferencePlane(luma, width: width, height: height, which: [.sobel, .brenner, .noiseSigma])
    }

    struct NoReferenceSet: OptionSet {
        let rawValue: Int
        static let sobel = NoReferenceSet(rawValue: 1)
        static let brenner = NoReferenceSet(rawValue: 2)
        static let noiseSigma = NoReferenceSet(rawValue: 4)
    }

    /// On an RGB image the luma rows are made chunk by chunk, never as a whole plane: at 50
    /// megapixels that plane would be 200 MB. The values are those of `luma(image)`, bit for bit.
    static func noReference(_ image: Image, which: NoReferenceSet) -> NoReferenceMetrics {
        if image.channels == 1 { return noReferencePlane(image.pixels, width: image.width, height: image.height, which: which) }
        let (W, n) = (image.width, image.planeSize)
        return image.pixels.withUnsafeBufferPointer { src in
            noReferenceSums(width: W, height: image.height, which: which) { rows, body in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * W)
                defer { buffer.deallocate() }
                let r = src.baseAddress! + rows.lowerBound * W
                lumaSpan(r: r, g: r + n, b: r + 2 * n, count: rows.count * W, into: buffer)
                body(UnsafePointer(buffer))
            }
        }
    }

    /// The three no-reference sums in one pass; a metric not asked for (or not defined for the size)
    /// is nan.
    static func noReferencePlane(_ plane: [Float], width W: Int, height H: Int,
                                 which: NoReferenceSet) -> NoReferenceMetrics {
        plane.withUnsafeBufferPointer { pp in
            noReferenceSums(width: W, height: H, which: which) { rows, body in body(pp.baseAddress! + rows.lowerBound * W) }
        }
    }

    /// The sums over a luma plane that `withRows` hands out a row range at a time (the rows laid
    /// out one after another, `W` apart), called concurrently for disjoint chunks.
    static func noReferenceSums(width W: Int, height H: Int, which: NoReferenceSet,
                                withRows: (Range<Int>, (UnsafePointer<Float>) -> Void) -> Void) -> NoReferenceMetrics {
        let doBrenner = which.contains(.brenner) && W >= 3 && H >= 1
        let doSobel = which.contains(.sobel) && W >= 3 && H >= 3
        let doNoise = which.contains(.noiseSigma) && W >= 3 && H >= 3
        var result = NoReferenceMetrics(sobel: .nan, brenner: .nan, noiseSigma: .nan)
        if !(doBrenner || doSobel || doNoise) { return result }

        let chunks = MetricKernels.rowChunks(rows: H, width: W)
        // Per chunk: Brenner sum, Tenengrad sum, Immerkaer sum.
        var partial = [Double](repeating: 0, count: 3 * chunks)
        partial.withUnsafeMutableBufferPointer { partialOut in
            let po = partialOut.baseAddress!
            MetricKernels.parallelFor(chunks) { k in
                // The chunk's rows and one more above and below for the 3x3 stencils.
                let own = MetricKernels.chunkRange(k, of: chunks, rows: H)
                let rows = max(0, own.lowerBound - 1)..<min(H, own.upperBound + 1)
                withRows(rows) { first in
                    // Per-row values go to scratch rows first (a loop without a running sum
                    // vectorises), then are summed by sumDoubles.
                    let n = W - 2
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * n)
                    defer { scratch.deallocate() }
                    let bRow = scratch, sRow = scratch + n, iRow = scratch + 2 * n
                    var bSum = 0.0, sSum = 0.0, iSum = 0.0
                    for y in own {
                        let c = first + (y - rows.lowerBound) * W
                        if doBrenner {
                            for x in 0..<n {
                                let d = Double(c[x + 2]) - Double(c[x])
                                bRow[x] = d * d
                            }
                            bSum += MetricKernels.sumDoubles(bRow, n)
                        }
                        if (doSobel || doNoise) && y >= 1 && y <= H - 2 {
                            // u, c, d: rows y-1, y, y+1, offset so that index x is column x+1's left
                            // neighbour; output x is interior column x+1.
                            let u = c - W, d = c + W
                            for x in 0..<n {
                                let u0 = Double(u[x]), u1 = Double(u[x + 1]), u2 = Double(u[x + 2])
                                let c0 = Double(c[x]), c1 = Double(c[x + 1]), c2 = Double(c[x + 2])
                                let d0 = Double(d[x]), d1 = Double(d[x + 1]), d2 = Double(d[x + 2])
                                // Sobel: Gx = right column - left column, weights 1,2,1;
                                // Gy = bottom row - top row, weights 1,2,1.
                                let gx = (u2 - u0) + 2 * (c2 - c0) + (d2 - d0)
                                let gy = (d0 + 2 * d1 + d2) - (u0 + 2 * u1 + u2)
                                sRow[x] = gx * gx + gy * gy
                                // Immerkaer: N = [1,-2,1] outer [1,-2,1].
                                let lap = (u0 - 2 * u1 + u2) - 2 * (c0 - 2 * c1 + c2) + (d0 - 2 * d1 + d2)
                                iRow[x] = abs(lap)
                            }
                            if doSobel { sSum += MetricKernels.sumDoubles(sRow, n) }
                            if doNoise { iSum += MetricKernels.sumDoubles(iRow, n) }
                        }
                    }
                    po[3 * k] = bSum; po[3 * k + 1] = sSum; po[3 * k + 2] = iSum
                }
            }
        }
        var bTotal = 0.0, sTotal = 0.0, iTotal = 0.0
        for k in 0..<chunks {
            bTotal += partial[3 * k]; sTotal += partial[3 * k + 1]; iTotal += partial[3 * k + 2]
        }
        if doBrenner { result.brenner = bTotal / Double((W - 2) * H) }
        if doSobel { result.sobel = sTotal / Double((W - 2) * (H - 2)) }
        if doNoise {
            // sigma = sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * N|, times 255 for the 0-255 scale.
            result.noiseSigma = (Double.pi / 2).squareRoot() / (6 * Double((W - 2) * (H - 2))) * iTotal * 255
        }
        return result
    }
}

/// The no-reference metrics, each a mean per pixel on luma in [0, 1] so that different sizes compare.
public struct NoReferenceMetrics: Sendable, Equatable, Codable {
    /// Tenengrad: mean of Gx^2 + Gy^2 over interior pixels (3x3 Sobel). nan when width or height < 3.
    public var sobel: Double
    /// Brenner: mean of (I(x+2,y) - I(x,y))^2. nan when width < 3.
    public var brenner: Double
    /// Immerkaer 1996 noise sigma on the 0-255 scale. nan when width or height < 3.
    public var noiseSigma: Double
}

/// Full-reference metrics of an image against its clean version.
public struct ReferenceMetrics: Sendable, Equatable, Codable {
    /// dB; +infinity when the images are identical.
    public var psnr: Double
    /// Mean SSIM on luma; nan when either side is smaller than 11 pixels.
    public var ssim: Double
}
