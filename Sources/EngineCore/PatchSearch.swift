/// How one tile of the patch search lies in its worker's buffers, for a kernel suite's vector
/// width: the pixel bank's search (Denoiser) gathers the tile's neighbourhood and reads the short
/// lists, the kernels (`KernelSuite.patchSearchCandidate`) fill the lists in between, so both read
/// the layout from here.
///
/// The search asks, for every pixel of the tile, which `slots` candidates (other pixels, each at
/// one offset from it) have the smallest patch distance: the sum of squared differences over a
/// `window` x `window` patch in every channel. The tile is worked on a vector of `lanes` pixels of
/// a row at a time, so its rows are padded to a multiple of `lanes`; the padding's pixels are
/// computed and never kept.
public struct PatchSearchLayout: Sendable, Equatable {
    /// The side of the patches compared.
    @inlinable public static var window: Int { 7 }

    public let channels: Int
    /// The tile's pixels.
    public let height: Int
    public let width: Int
    /// How far any candidate lies from its pixel, in rows or columns.
    public let reach: Int
    /// The short lists' length: the candidates kept per pixel.
    public let slots: Int
    /// Floats per vector of the kernels that run the search.
    public let lanes: Int

    public init(channels: Int, height: Int, width: Int, reach: Int, slots: Int, lanes: Int) {
        precondition(channels > 0 && height > 0 && width > 0 && reach >= 0 && slots > 0 && lanes > 0)
        (self.channels, self.height, self.width, self.reach, self.slots, self.lanes) = (channels, height, width, reach, slots, lanes)
    }

    /// A row of the tile, padded to whole vectors.
    @inlinable public var paddedWidth: Int { (width + lanes - 1) / lanes * lanes }
    /// Vectors per padded row.
    @inlinable public var vectorsPerRow: Int { paddedWidth / lanes }

    /// The neighbourhood: every pixel that any patch of any candidate of the tile reads (the tile
    /// and `margin` pixels about it), one plane per channel, and a vector's width more to the
    /// right, where the padding's patches read. Pixel (y, x) of the tile lies at row y + margin,
    /// column x + margin of each plane.
    @inlinable public var margin: Int { reach + Self.window / 2 }
    @inlinable public var neighbourhoodRows: Int { height + 2 * margin }
    @inlinable public var neighbourhoodRowStride: Int { paddedWidth + 2 * margin + lanes }
    @inlinable public var neighbourhoodPlaneStride: Int { neighbourhoodRows * neighbourhoodRowStride }
    @inlinable public var neighbourhoodCount: Int { channels * neighbourhoodPlaneStride }

    /// One candidate's squared differences (summed over channels), one row per row that a patch of
    /// the tile covers: row r, column u is the tile's pixel (r - window/2, u - window/2). A vector
    /// wider than the padded row, since the row sums of its last vector read that far.
    @inlinable public var windowRows: Int { height + 2 * (Self.window / 2) }
    @inlinable public var squaredDifferenceRowStride: Int { paddedWidth + lanes }
    @inlinable public var squaredDifferenceCount: Int { windowRows * squaredDifferenceRowStride }

    /// Their sums along each row's `window` columns, row r for the same rows, column x for the
    /// tile's column x.
    @inlinable public var rowSumCount: Int { windowRows * paddedWidth }

    /// Each pixel's short list, in order, best first (a distance array and a candidate-index array
    /// of this count each), laid out so that slot j of one vector's pixels is one vector: by row,
    /// then by vector of the row, then by slot, then by pixel within the vector.
    @inlinable public var shortListCount: Int { height * paddedWidth * slots }

    /// Where slot 0 of pixel (y, x)'s short list lies; slot j is `j * lanes` further.
    @inlinable
    public func shortList(y: Int, x: Int) -> Int {
        (y * vectorsPerRow + x / lanes) * slots * lanes + x % lanes
    }
}

/// One tile of the patch search in its worker's buffers (each of its layout's count).
public struct PatchSearchTile {
    public let layout: PatchSearchLayout
    /// The neighbourhood (gathered by the caller before the candidates are searched), and the
    /// kernels' scratch: one candidate's squared differences and their row sums.
    public let neighbourhood, squaredDifferences, rowSums: UnsafeMutablePointer<Float>
    /// The short lists: each slot's distance, and the index of its candidate. Set up by the caller
    /// (empty: +infinity; the padding's pixels full: -infinity, so that nothing enters them), kept
    /// sorted by the kernels.
    public let distances: UnsafeMutablePointer<Float>, candidates: UnsafeMutablePointer<Int32>

    public init(layout: PatchSearchLayout, neighbourhood: UnsafeMutablePointer<Float>,
                squaredDifferences: UnsafeMutablePointer<Float>, rowSums: UnsafeMutablePointer<Float>,
                distances: UnsafeMutablePointer<Float>, candidates: UnsafeMutablePointer<Int32>) {
        (self.layout, self.neighbourhood, self.squaredDifferences) = (layout, neighbourhood, squaredDifferences)
        (self.rowSums, self.distances, self.candidates) = (rowSums, distances, candidates)
    }
}
