import Engine

/// F(y) = clamp(y - f(y), 0, 1): the denoised image from a trained network, computed tile by tile so
/// that memory is bounded by the tile, not the image.
///
/// f's receptive field reaches two pixels (two 3x3 convolutions), so each tile is run with a halo
/// of real image around it (four pixels, two more than needed), and zero padding only where the
/// image itself ends. Tiles and halos are multiples of four, which keeps the Winograd convolution's
/// 4x4 grid where it lies on the whole image: the result is the whole-image result, bit for bit.
public enum ZSN2NInference {
    public static let defaultTile = 256
    static let halo = 4

    /// The largest region (a tile with its halo) that `denoiseInPlace` runs f on.
    public static func largestRegion(height: Int, width: Int, tile: Int = defaultTile) -> (height: Int, width: Int) {
        (min(height, tile + 2 * halo), min(width, tile + 2 * halo))
    }

    /// The bytes of the output band and of the saved rows above it.
    public static func bandBytes(channels: Int, height: Int, width: Int, tile: Int = defaultTile) -> Int {
        channels * (min(tile, height) + halo) * width * MemoryLayout<Float>.size
    }

    /// Replaces the planar image `pixels` (channels x height x width) by its denoised version.
    /// Holds one band of `tile` rows of output and the two original rows above it besides the image.
    public static func denoiseInPlace(_ pixels: inout [Float], channels: Int, height: Int, width: Int,
                                      network: Network, tile: Int = defaultTile) {
        precondition(pixels.count == channels * height * width && tile >= halo && tile % 4 == 0)
        // One workspace at a time: edge tiles have other sizes, and keeping one per size (up to
        // nine) held about 270 MB at any image size above a megapixel.
        var workspace: Workspace?
        // Original rows just above the current band (already overwritten in `pixels`).
        var above = [Float](repeating: 0, count: channels * halo * width)
        let bandRows = min(tile, height)
        var band = [Float](repeating: 0, count: channels * bandRows * width)
        var y0 = 0
        while y0 < height {
            let y1 = min(height, y0 + tile)
            let top = max(0, y0 - halo), bottom = min(height, y1 + halo)
            var x0 = 0
            while x0 < width {
                let x1 = min(width, x0 + tile)
                let left = max(0, x0 - halo), right = min(width, x1 + halo)
                if workspace?.height != bottom - top || workspace?.width != right - left {
                    workspace = nil  // released before the next is allocated
                    workspace = Workspace(channels: channels, height: bottom - top, width: right - left)
                }
                let ws = workspace!
                // The region's input: rows above the band from the saved copy, the rest from the image.
                pixels.withUnsafeBufferPointer { image in
                    above.withUnsafeBufferPointer { saved in
                        for c in 0..<channels {
                            for y in top..<bottom {
                                let src = y < y0
                                    ? saved.baseAddress! + (c * halo + y - (y0 - halo)) * width + left
                                    : image.baseAddress! + (c * height + y) * width + left
                                ws.input.pointer(c, y - top, 0).update(from: src, count: right - left)
                            }
                        }
                    }
                }
                network.forward(ws)
                band.withUnsafeMutableBufferPointer { out in
                    for c in 0..<channels {
                        for y in y0..<y1 {
                            let a = ws.input.pointer(c, y - top, x0 - left), f = ws.output.pointer(c, y - top, x0 - left)
                            let dst = out.baseAddress! + (c * bandRows + y - y0) * width + x0
                            for x in 0..<(x1 - x0) { dst[x] = min(max(a[x] - f[x], 0), 1) }
                        }
                    }
                }
                x0 = x1
            }
            // Save the band's last original rows for the next band, then write the band.
            pixels.withUnsafeMutableBufferPointer { image in
                for c in 0..<channels {
                    for k in 0..<halo where y1 - halo + k >= 0 {
                        let row = image.baseAddress! + (c * height + y1 - halo + k) * width
                        above.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: (c * halo + k) * width).update(from: row, count: width) }
                    }
                    for y in y0..<y1 {
                        band.withUnsafeBufferPointer { b in
                            (image.baseAddress! + (c * height + y) * width).update(from: b.baseAddress! + (c * bandRows + y - y0) * width, count: width)
                        }
                    }
                }
            }
            y0 = y1
        }
    }

    /// Denoises the planar image `y` in one piece (for tests: the reference tiled inference must match).
    public static func denoiseWhole(_ y: [Float], channels: Int, height: Int, width: Int, network: Network) -> [Float] {
        let ws = Workspace(channels: channels, height: height, width: width)
        ws.input.load(y)
        network.forward(ws)
        var out = [Float](repeating: 0, count: y.count)
        var i = 0
        for c in 0..<channels {
            for row in 0..<height {
                let a = ws.input.pointer(c, row, 0), f = ws.output.pointer(c, row, 0)
                for x in 0..<width {
                    out[i] = min(max(a[x] - f[x], 0), 1)
                    i += 1
                }
            }
        }
        return out
    }
}
