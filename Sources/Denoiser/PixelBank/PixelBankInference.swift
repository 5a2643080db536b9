import Engine

/// The pixel-bank method's output: the network's denoised image averaged over `draws` images drawn
/// from the banks (each pixel a random member of its bank), so that the noise the draws make
/// independent averages out instead of being kept; with white noise averaged, half and half, with
/// the flips and turns of the noisy image itself (`settings.ensemble`). Where a pixel's bank holds
/// only itself (no match was good enough), every draw is the pixel, and the output there is F(y).
/// Then (`settings.aggregation`) each pixel's output is averaged over a bank searched on the output.
///
/// Tile by tile: each tile's banks are searched (against the whole image) with the acceptance fitted
/// in training, so memory stays bounded by the tile, and the result does not depend on the threads.
public enum PixelBankInference {
    public static let tile = 256
    /// f's receptive field reaches two pixels; four keep the Winograd grid where it lies.
    static let halo = 4
    /// The most draws averaged (PixelBankSettings.passBudget sets fewer on large images).
    public static let draws = 16

    /// Replaces the planar noisy image `pixels` by its denoised version. The first pass reads the
    /// whole noisy image (the banks' candidates) and writes a second image; the aggregation then
    /// writes over the noisy one, so that two images are held, not three.
    public static func denoiseInPlace(_ pixels: inout [Float], channels: Int, height: Int, width: Int, network: Network,
                                      settings: PixelBankSettings, acceptance: PixelBank.Acceptance, seed: UInt64,
                                      parallel: Parallel) {
        var output = [Float](repeating: 0, count: pixels.count)
        var workspaces: [String: Workspace] = [:]
        func workspace(_ h: Int, _ w: Int) -> Workspace {
            if let ws = workspaces["\(h)x\(w)"] { return ws }
            // One size at a time besides its turned twin: edge tiles have other sizes.
            if workspaces.count >= 2 { workspaces.removeAll() }
            let ws = Workspace(channels: channels, height: h, width: w)
            workspaces["\(h)x\(w)"] = ws
            return ws
        }
        let plane = height * width
        for (t, (y0, x0, y1, x1)) in tiles(height: height, width: width).enumerated() {
            let top = max(0, y0 - halo), left = max(0, x0 - halo)
            let rh = min(height, y1 + halo) - top, rw = min(width, x1 + halo) - left
            var bank = PixelBank(pixels: pixels, channels: channels, imageHeight: height, imageWidth: width,
                                 region: (top, left, rh, rw), stride: settings.stride, parallel: parallel)
            bank.accept(acceptance, parallel: parallel)
            var sum = [Float](repeating: 0, count: channels * rh * rw)
            // The average over draws of x - f(x). Each row of each draw from a stream of its own (tile,
            // draw, row), so that rows are drawn in parallel and the result does not depend on the threads.
            let ws = workspace(rh, rw)
            let input = ws.input
            for draw in 0..<settings.draws {
                parallel.forEachRange(rh, minimumPerThread: 8) { rows in
                    for y in rows {
                        var random = Random(seed: seed, stream: rowStream(tile: t, draw: draw, row: y))
                        for x in 0..<rw {
                            let s = bank.source(random.int(below: bank.size), y: y, x: x)
                            for c in 0..<channels { input.pointer(c, y, x).pointee = pixels[c * plane + s.y * width + s.x] }
                        }
                    }
                }
                network.forward(ws)
                accumulate(ws, into: &sum, height: rh, width: rw, transform: Dihedral(0), weight: 1 / Float(settings.draws),
                           parallel: parallel)
            }
            if !settings.ensemble.isEmpty {
                // Half and half with the symmetries of the noisy region itself.
                for i in sum.indices { sum[i] *= 0.5 }
                for transform in settings.ensemble {
                    let (th, tw) = transform.size(height: rh, width: rw)
                    let tws = workspace(th, tw)
                    let input = tws.input
                    parallel.forEachRange(th, minimumPerThread: 8) { rows in
                        for y in rows {
                            for x in 0..<tw {
                                let s = transform.source(y: y, x: x, height: rh, width: rw)
                                for c in 0..<channels {
                                    input.pointer(c, y, x).pointee = pixels[c * plane + (top + s.y) * width + left + s.x]
                                }
                            }
                        }
                    }
                    network.forward(tws)
                    accumulate(tws, into: &sum, height: rh, width: rw, transform: transform,
                               weight: 0.5 / Float(settings.ensemble.count), parallel: parallel)
                }
            }
            for c in 0..<channels {
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        output[c * plane + y * width + x] = min(max(sum[(c * rh + y - top) * rw + x - left], 0), 1)
                    }
                }
            }
        }
        if settings.aggregation {
            // At least stride 2: a quarter of stride 1's candidates to search, and members two
            // pixels apart or more, where what the network left of their noise is less alike
            // (against stride 1: gauss:25 +0.02 dB, gray +0.01, FMD -0.02).
            aggregate(output, into: &pixels, channels: channels, height: height, width: width, stride: max(2, settings.stride),
                      tau: acceptance.tau, percentile: settings.percentile, parallel: parallel)
        } else {
            swap(&pixels, &output)
        }
    }

    /// The second pass: each pixel's output replaced by the mean of the first pass's outputs at the
    /// members of a bank searched on that output (itself first, and itself again for each match
    /// refused). The network's output keeps some of each pixel's noise; pixels whose denoised
    /// neighbourhoods look alike estimate the same clean value with errors of their own, so the
    /// mean over them removes more of it, as block matching's aggregation does. The search runs
    /// on the output, not on the noisy image: matched through the noise, a star or a fine edge
    /// gets members from the plain background around it and is averaged away (gauss:25 RGB,
    /// hubble_deep_field: -0.96 dB), while on the output it finds only its like.
    ///
    /// Its acceptance is fitted on each tile's own banks, with the noise's tau and percentile:
    /// the output's distances are on another scale than the noisy image's. Tile by tile, so that
    /// memory stays bounded by the tile (keeping every tile's bank would cost 24 bytes a pixel);
    /// pixels are independent, so the result does not depend on the threads.
    static func aggregate(_ first: [Float], into output: inout [Float], channels: Int, height: Int, width: Int,
                          stride: Int, tau: Float, percentile: Double, parallel: Parallel) {
        precondition(output.count == first.count)
        let plane = height * width
        for (y0, x0, y1, x1) in tiles(height: height, width: width) {
            let th = y1 - y0, tw = x1 - x0
            var bank = PixelBank(pixels: first, channels: channels, imageHeight: height, imageWidth: width,
                                 region: (y0, x0, th, tw), stride: stride, parallel: parallel)
            bank.accept(PixelBank.Acceptance(fitting: [bank], tau: tau, percentile: percentile), parallel: parallel)
            let scale = 1 / Float(bank.size)
            first.withUnsafeBufferPointer { first in
                output.withUnsafeMutableBufferPointer { output in
                    let first = first.baseAddress!, output = output.baseAddress!
                    parallel.forEachRange(th, minimumPerThread: 8) { rows in
                        for y in rows {
                            for x in 0..<tw {
                                let target = (y0 + y) * width + x0 + x
                                for c in 0..<channels { output[c * plane + target] = 0 }
                                for m in 0..<bank.size {
                                    let s = bank.source(m, y: y, x: x)
                                    let source = s.y * width + s.x
                                    for c in 0..<channels { output[c * plane + target] += first[c * plane + source] }
                                }
                                for c in 0..<channels { output[c * plane + target] *= scale }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The `tile` x `tile` squares (smaller at the right and bottom edges) that cover the image, in
    /// row order: both passes go through the same tiles, and a tile's place in the list names its
    /// draws' streams.
    static func tiles(height: Int, width: Int) -> [(y0: Int, x0: Int, y1: Int, x1: Int)] {
        stride(from: 0, to: height, by: tile).flatMap { y0 in
            stride(from: 0, to: width, by: tile).map { x0 in (y0, x0, min(height, y0 + tile), min(width, x0 + tile)) }
        }
    }

    /// The stream of one row of one draw in one tile.
    static func rowStream(tile: Int, draw: Int, row: Int) -> UInt64 {
        RandomStream.bankInference << 56 | UInt64(tile) << 24 | UInt64(draw) << 12 | UInt64(row)
    }

    /// sum(region) += weight * (x - f(x)) of a workspace holding `transform` of the region, put back
    /// where each pixel came from. By rows of the workspace: a transform maps distinct pixels to
    /// distinct pixels, so no two rows write the same element.
    private static func accumulate(_ ws: Workspace, into sum: inout [Float], height: Int, width: Int,
                                   transform: Dihedral, weight: Float, parallel: Parallel) {
        sum.withUnsafeMutableBufferPointer { sum in
            let sum = sum.baseAddress!
            parallel.forEachRange(ws.height, minimumPerThread: 8) { rows in
                for c in 0..<ws.channels {
                    for y in rows {
                        let a = ws.input.pointer(c, y, 0), f = ws.output.pointer(c, y, 0)
                        for x in 0..<ws.width {
                            let s = transform.source(y: y, x: x, height: height, width: width)
                            sum[(c * height + s.y) * width + s.x] += weight * (a[x] - f[x])
                        }
                    }
                }
            }
        }
    }
}
