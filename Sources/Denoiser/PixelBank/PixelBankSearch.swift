import Engine

/// The bank's search: for every pixel of a region, the keep-1 candidates of smallest patch
/// distance, with their distances and the pixel's brightness.
///
/// Tile by tile (`searchTile` pixels a side, each tile independent, so the split over threads does
/// not change the result), in stages: gather the tile's neighbourhood, reflected, once; start each
/// pixel's short list empty; search every candidate (the kernels, `KernelSuite.patchSearchCandidate`:
/// its patch distances for the whole tile, a vector of pixels of a row at a time, inserted into the
/// short lists); measure each pixel's brightness; write the lists out. The layout of a tile in its
/// worker's buffers (`PatchSearchLayout`) follows the kernels' vector width; the distances do not:
/// each is summed in one order on either path, so the bank is the same bit for bit.
extension PixelBank {
    /// The side of the search's tiles.
    static let searchTile = 48

    /// The search of `region` of the planar image `pixels` against `offsets` (index 0 the pixel
    /// itself, never searched): each pixel's keep-1 best candidates (members 1..<keep) with their
    /// distances, and its brightness, in the bank's layouts.
    static func search(_ pixels: [Float], channels: Int, imageHeight: Int, imageWidth: Int,
                       region: (top: Int, left: Int, height: Int, width: Int), offsets: [Offset], keep: Int,
                       parallel: Parallel) -> (members: [UInt16], distances: [Float], brightness: [Float]) {
        let kernels = CPUPath.current.kernels
        let plane = region.height * region.width
        var members = [UInt16](repeating: 0, count: keep * plane)
        var distances = [Float](repeating: .infinity, count: (keep - 1) * plane)
        var brightness = [Float](repeating: 0, count: plane)
        let tiles = SearchTiles(height: region.height, width: region.width)
        // Each worker's scratch, for the largest tile (the first), allocated once for the search.
        let scratch = SearchScratch(channels: channels, tile: tiles.largest, reach: reach(offsets), keep: keep,
                                    lanes: kernels.lanes)
        let workers = min(parallel.threads, tiles.count)
        let buffers = FloatBuffers(workers * scratch.memory)
        pixels.withUnsafeBufferPointer { image in
            members.withUnsafeMutableBufferPointer { members in
                distances.withUnsafeMutableBufferPointer { distances in
                    brightness.withUnsafeMutableBufferPointer { brightness in
                        let source = SearchSource(pixels: image.baseAddress!, channels: channels, height: imageHeight,
                                                  width: imageWidth, top: region.top, left: region.left)
                        let bank = SearchOutput(members: members.baseAddress!, distances: distances.baseAddress!,
                                                brightness: brightness.baseAddress!, height: region.height,
                                                width: region.width)
                        parallel.forEachPart(tiles.count) { worker, t in
                            let tile = tiles[t]
                            let buffers = scratch.tile(height: tile.height, width: tile.width, in: buffers, worker: worker)
                            searchTile(tile, of: source, offsets: offsets, kernels: kernels, in: buffers, into: bank)
                        }
                    }
                }
            }
        }
        return (members, distances, brightness)
    }

    /// One tile's search, stage after stage, in one worker's buffers.
    private static func searchTile(_ tile: SearchTiles.Tile, of source: SearchSource, offsets: [Offset],
                                   kernels: any KernelSuite.Type, in buffers: PatchSearchTile, into bank: SearchOutput) {
        gatherNeighbourhood(of: tile, from: source, into: buffers)
        startShortLists(buffers)
        let rowStride = buffers.layout.neighbourhoodRowStride
        for (index, o) in offsets.enumerated() where index > 0 {
            kernels.patchSearchCandidate(buffers, candidate: index, shift: o.dy * rowStride + o.dx)
        }
        measureBrightness(buffers, into: bank, at: tile)
        writeShortLists(buffers, into: bank, at: tile)
    }

    /// Copies every pixel that a patch of the tile or of any of its candidates reads (and a
    /// vector's width more, for the padding) into the tile's neighbourhood, each channel a plane,
    /// the image reflected at its borders: the candidates then read it at fixed shifts, with no
    /// reflection left in the kernels.
    private static func gatherNeighbourhood(of tile: SearchTiles.Tile, from source: SearchSource,
                                            into buffers: PatchSearchTile) {
        let layout = buffers.layout, margin = layout.margin, rowStride = layout.neighbourhoodRowStride
        let top = source.top + tile.top - margin, left = source.left + tile.left - margin
        for c in 0..<source.channels {
            for y in 0..<layout.neighbourhoodRows {
                let from = source.pixels + (c * source.height + reflect(top + y, source.height)) * source.width
                let to = buffers.neighbourhood + c * layout.neighbourhoodPlaneStride + y * rowStride
                for x in 0..<rowStride { to[x] = from[reflect(left + x, source.width)] }
            }
        }
    }

    /// Each pixel's short list starts empty (+infinity, candidate 0); the padding's are full
    /// (-infinity), so that nothing ever enters them.
    private static func startShortLists(_ buffers: PatchSearchTile) {
        let layout = buffers.layout
        for y in 0..<layout.height {
            for x in 0..<layout.paddedWidth {
                let list = layout.shortList(y: y, x: x)
                let empty: Float = x < layout.width ? .infinity : -.infinity
                for j in 0..<layout.slots {
                    buffers.distances[list + j * layout.lanes] = empty
                    buffers.candidates[list + j * layout.lanes] = 0
                }
            }
        }
    }

    /// Each pixel's brightness: the 7x7 mean of the channel mean, from the neighbourhood.
    private static func measureBrightness(_ buffers: PatchSearchTile, into bank: SearchOutput, at tile: SearchTiles.Tile) {
        let layout = buffers.layout, window = PatchSearchLayout.window, half = window / 2
        let rowStride = layout.neighbourhoodRowStride, planeStride = layout.neighbourhoodPlaneStride
        let count = Float(layout.channels * window * window)
        for y in 0..<layout.height {
            for x in 0..<layout.width {
                // The window's top-left pixel in the first channel's plane.
                let corner = buffers.neighbourhood + (layout.margin + y - half) * rowStride + layout.margin + x - half
                var sum: Float = 0
                for c in 0..<layout.channels {
                    for v in 0..<window {
                        let row = corner + c * planeStride + v * rowStride
                        for u in 0..<window { sum += row[u] }
                    }
                }
                bank.brightness[(tile.top + y) * bank.width + tile.left + x] = sum / count
            }
        }
    }

    /// Each pixel's short list into the bank: member m (from 1) is slot m - 1, its distance beside it.
    private static func writeShortLists(_ buffers: PatchSearchTile, into bank: SearchOutput, at tile: SearchTiles.Tile) {
        let layout = buffers.layout, plane = bank.height * bank.width
        for y in 0..<layout.height {
            for x in 0..<layout.width {
                let pixel = (tile.top + y) * bank.width + tile.left + x
                let list = layout.shortList(y: y, x: x)
                for m in 1...layout.slots {
                    let slot = list + (m - 1) * layout.lanes
                    bank.members[m * plane + pixel] = UInt16(truncatingIfNeeded: buffers.candidates[slot])
                    bank.distances[(m - 1) * plane + pixel] = buffers.distances[slot]
                }
            }
        }
    }

    /// How far any candidate lies from its pixel, in rows or columns.
    private static func reach(_ offsets: [Offset]) -> Int {
        offsets.reduce(0) { max($0, abs($1.dy), abs($1.dx)) }
    }

    /// What the search of a region allocates while it runs, on `threads` threads: its workers'
    /// scratch, stated by `SearchScratch`, for the kernels this process runs.
    public static func searchMemory(channels: Int, height: Int, width: Int, stride: Int, size: Int = defaultSize,
                                    threads: Int) -> MemoryPlan {
        let tiles = SearchTiles(height: height, width: width)
        return min(threads, tiles.count) * SearchScratch(channels: channels, tile: tiles.largest,
                                                         reach: reach(candidates(stride: stride)),
                                                         keep: PixelBank.size(stride: stride, requested: size),
                                                         lanes: CPUPath.current.kernels.lanes).memory
    }

    /// The region cut into tiles of `searchTile` a side, row after row (the last of a row or
    /// column smaller).
    struct SearchTiles {
        struct Tile {
            let top: Int, left: Int, height: Int, width: Int
        }

        let height: Int, width: Int
        let rows: Int, columns: Int

        init(height: Int, width: Int) {
            (self.height, self.width) = (height, width)
            rows = (height + searchTile - 1) / searchTile
            columns = (width + searchTile - 1) / searchTile
        }

        var count: Int { rows * columns }
        /// The largest tile's size (the first's).
        var largest: (height: Int, width: Int) { (min(searchTile, height), min(searchTile, width)) }

        subscript(_ t: Int) -> Tile {
            let top = t / columns * searchTile, left = t % columns * searchTile
            return Tile(top: top, left: left, height: min(searchTile, height - top), width: min(searchTile, width - left))
        }
    }

    /// One search worker's buffers, sized for the largest tile of a region laid out for the
    /// kernels' vector width (`lanes`): the tile's neighbourhood, one candidate's squared
    /// differences and their row sums, and each pixel's short list of the best with their
    /// candidates' indices (stored in a float buffer, as wide). The one statement of the search's
    /// scratch: the allocation and the memory plan both read it.
    struct SearchScratch {
        /// The largest tile's layout, whose counts the buffers hold.
        let largest: PatchSearchLayout

        init(channels: Int, tile: (height: Int, width: Int), reach: Int, keep: Int, lanes: Int) {
            largest = PatchSearchLayout(channels: channels, height: tile.height, width: tile.width, reach: reach,
                                        slots: keep - 1, lanes: lanes)
        }

        var memory: MemoryPlan {
            MemoryPlan(floats: ["neighbourhood": largest.neighbourhoodCount,
                                "squared differences": largest.squaredDifferenceCount,
                                "row sums": largest.rowSumCount,
                                "short lists": largest.shortListCount,
                                "short lists' candidates": largest.shortListCount])
        }

        /// Worker `worker`'s buffers, laid out for a tile of `height` x `width` (no larger than the
        /// largest).
        func tile(height: Int, width: Int, in buffers: FloatBuffers, worker: Int) -> PatchSearchTile {
            precondition(height <= largest.height && width <= largest.width)
            let layout = PatchSearchLayout(channels: largest.channels, height: height, width: width, reach: largest.reach,
                                           slots: largest.slots, lanes: largest.lanes)
            @inline(__always) func buffer(_ name: String, floats: Int) -> UnsafeMutablePointer<Float> {
                buffers[name] + worker * FloatBuffers.stride(floats: floats)
            }
            let candidates = UnsafeMutableRawPointer(buffer("short lists' candidates", floats: largest.shortListCount))
            return PatchSearchTile(layout: layout,
                                   neighbourhood: buffer("neighbourhood", floats: largest.neighbourhoodCount),
                                   squaredDifferences: buffer("squared differences", floats: largest.squaredDifferenceCount),
                                   rowSums: buffer("row sums", floats: largest.rowSumCount),
                                   distances: buffer("short lists", floats: largest.shortListCount),
                                   candidates: candidates.bindMemory(to: Int32.self, capacity: largest.shortListCount))
        }
    }

    /// The image the search reads, and where the region lies in it.
    private struct SearchSource {
        let pixels: UnsafePointer<Float>
        let channels: Int, height: Int, width: Int
        let top: Int, left: Int
    }

    /// The bank the search writes, region-sized: members (from 1), distances and brightness.
    private struct SearchOutput {
        let members: UnsafeMutablePointer<UInt16>
        let distances: UnsafeMutablePointer<Float>
        let brightness: UnsafeMutablePointer<Float>
        let height: Int, width: Int
    }
}
