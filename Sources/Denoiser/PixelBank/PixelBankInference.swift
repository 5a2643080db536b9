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
        var output = firstPass(pixels, channels: channels, height: height, width: width, network: network,
                               settings: settings, acceptance: acceptance, seed: seed, parallel: parallel)
        if settings.aggregation {
            // At least stride 2: a quarter of stride 1's candidates to search, and members two
            // pixels apart or more, where what the network left of their noise is less alike
            // (against stride 1: gauss:25 +0.02 dB, gray +0.01, FMD -0.02).
            aggregate(output, into: &pixels, channels: channels, height: height, width: width,
                      stride: aggregationStride(settings), tau: acceptance.tau, percentile: settings.percentile,
                      parallel: parallel)
        } else {
            swap(&pixels, &output)
        }
    }

    static func aggregationStride(_ settings: PixelBankSettings) -> Int { max(2, settings.stride) }

    /// What `denoiseInPlace` holds at its peak beside the image: the output of the first pass, and
    /// the larger of the first pass's peak and the aggregation's.
    public static func memory(channels: Int, height: Int, width: Int, settings: PixelBankSettings, threads: Int) -> MemoryPlan {
        MemoryPlan("first pass's output", bytes: channels * height * width * MemoryLayout<Float>.size)
            + .peak(firstPassMemory(channels: channels, height: height, width: width, settings: settings, threads: threads),
                    settings.aggregation ? aggregationMemory(channels: channels, height: height, width: width,
                                                             settings: settings, threads: threads) : MemoryPlan())
    }

    /// The first pass's peak beside its output, the largest over its tiles, walked as it walks them.
    static func firstPassMemory(channels: Int, height: Int, width: Int, settings: PixelBankSettings, threads: Int) -> MemoryPlan {
        let size = PixelBank.size(stride: settings.stride)
        func workspaces(_ sizes: [Size]) -> MemoryPlan {
            sizes.reduce(MemoryPlan()) { $0 + Workspace.memory(channels: channels, height: $1.height, width: $1.width, training: false) }
                .named("workspaces")
        }
        var peak = MemoryPlan(), held: [Size] = []
        for (_, region) in firstPassTiles(height: height, width: width) {
            let bank = PixelBank.memory(pixels: region.height * region.width, size: size)
            // The bank searched beside the workspaces still held from the tile before; then the
            // accepted bank and the tile's sum beside the workspaces held after each one asked for.
            peak = .peak(peak, workspaces(held) + bank.building.named("bank (while built)")
                            + PixelBank.searchMemory(channels: channels, height: region.height, width: region.width,
                                                     stride: settings.stride, threads: threads).named("bank search"))
            let sizes = [Size(height: region.height, width: region.width)] + settings.ensemble.map { transform in
                let (th, tw) = transform.size(height: region.height, width: region.width)
                return Size(height: th, width: tw)
            }
            for size in sizes {
                // Asking for a new size lets the others go before it is allocated, but the tile's
                // own stays held until the tile is done.
                let released = WorkspaceCache.held(after: size, given: held)
                held = released.contains(sizes[0]) ? released : [sizes[0]] + released
                peak = .peak(peak, workspaces(held) + bank.kept.named("bank")
                                + MemoryPlan("tile sum", bytes: channels * region.height * region.width * MemoryLayout<Float>.size))
                held = released
            }
        }
        return peak
    }

    /// The aggregation's peak beside the two images: a tile's bank searched on the output, then the
    /// acceptance fitted on it, the largest over the tiles.
    static func aggregationMemory(channels: Int, height: Int, width: Int, settings: PixelBankSettings, threads: Int) -> MemoryPlan {
        let stride = aggregationStride(settings)
        return tiles(height: height, width: width).reduce(MemoryPlan()) { peak, tile in
            let (th, tw) = (tile.y1 - tile.y0, tile.x1 - tile.x0)
            let bank = PixelBank.memory(pixels: th * tw, size: PixelBank.size(stride: stride)).building.named("bank (while built)")
            return .peak(peak, bank + .peak(PixelBank.searchMemory(channels: channels, height: th, width: tw, stride: stride,
                                                                   threads: threads).named("bank search"),
                                            PixelBank.Acceptance.fittingMemory(pixels: th * tw)))
        }
    }

    /// The first pass's tiles, each with the region f runs on: the tile and a halo, cut where the
    /// image ends.
    static func firstPassTiles(height: Int, width: Int)
        -> [(tile: (y0: Int, x0: Int, y1: Int, x1: Int), region: (top: Int, left: Int, height: Int, width: Int))] {
        tiles(height: height, width: width).map { tile in
            let top = max(0, tile.y0 - halo), left = max(0, tile.x0 - halo)
            return (tile, (top, left, min(height, tile.y1 + halo) - top, min(width, tile.x1 + halo) - left))
        }
    }

    struct Size: Equatable {
        var height: Int
        var width: Int
    }

    /// The workspaces of the sizes in use: one size at a time besides its turned twin (edge tiles
    /// have other sizes).
    struct WorkspaceCache {
        let channels: Int
        private var held: [(size: Size, workspace: Workspace)] = []

        init(channels: Int) { self.channels = channels }

        mutating func workspace(_ h: Int, _ w: Int) -> Workspace {
            let size = Size(height: h, width: w)
            if let found = held.first(where: { $0.size == size }) { return found.workspace }
            // Those let go are released before the new one is allocated.
            let kept = WorkspaceCache.held(after: size, given: held.map(\.size)).dropLast()
            held.removeAll { entry in !kept.contains(entry.size) }
            let workspace = Workspace(channels: channels, height: h, width: w)
            held.append((size, workspace))
            return workspace
        }

        /// The sizes held once a workspace of `size` is asked for, when `sizes` were: the policy,
        /// which the memory plan follows too. A third size lets the other two go.
        static func held(after size: Size, given sizes: [Size]) -> [Size] {
            if sizes.contains(size) { return sizes }
            return (sizes.count >= 2 ? [] : sizes) + [size]
        }
    }

    /// The network's average over the bank draws (and the flips and turns), tile by tile.
    static func firstPass(_ pixels: [Float], channels: Int, height: Int, width: Int, network: Network,
                          settings: PixelBankSettings, acceptance: PixelBank.Acceptance, seed: UInt64,
                          parallel: Parallel) -> [Float] {
        var output = [Float](repeating: 0, count: pixels.count)
        var workspaces = WorkspaceCache(channels: channels)
        func workspace(_ h: Int, _ w: Int) -> Workspace { workspaces.workspace(h, w) }
        let plane = height * width
        for (t, ((y0, x0, y1, x1), (top, left, rh, rw))) in firstPassTiles(height: height, width: width).enumerated() {
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
        return output
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
            let acceptance = PixelBank.Acceptance(fitting: [bank], tau: tau, percentile: percentile)
            bank.accept(acceptance, parallel: parallel)
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
