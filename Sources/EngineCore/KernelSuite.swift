/// The SIMD inner loops of the engine, as one set per instruction set.
///
/// The same source (Sources/Kernels) is compiled twice, into KernelsAVX2 (`-target-cpu haswell`,
/// eight floats a vector) and KernelsAVX512 (`-target-cpu skylake-avx512`, sixteen): Swift has no
/// per-function target attribute, so a second instruction set needs a second module. The layers
/// (and the pixel bank's search) call through this protocol, once per row, block or tile and
/// candidate, so the indirection costs nothing measurable; `CPUPath` (Engine) picks the set once
/// per process.
///
/// Channel counts of feature maps must be multiples of `blockWidth` for the Winograd products and
/// of `lanes` for everything else.
public protocol KernelSuite {
    /// Floats per vector.
    static var lanes: Int { get }

    /// Winograd F(4x4, 3x3): V[t][xi][c] = (B^T d B)[xi] for tiles t0..<t0+n of tile row `r`.
    static func winogradInputTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                                       into v: UnsafeMutablePointer<Float>)
    /// dM[t][xi][c] = (A dY A^T)[xi]; also adds every gradient value into `biasSums[c]`.
    static func winogradGradientTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                                          into m: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Float>)
    /// The 4x4 outputs of the tiles from M[t][xi][c], through `epilogue`, stored inside the map.
    static func winogradOutputTransform(_ m: UnsafeMutablePointer<Float>, into map: FeatureMap,
                                        tileRow r: Int, firstTile t0: Int, count n: Int, epilogue: FeatureEpilogue)
    /// M[t][xi][o] = sum_i V[t][xi][i] U[xi][i][o] for `tiles` tiles (rounded up to `productRows`).
    static func winogradProducts(v: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                                 tiles: Int, inChannels: Int, outChannels: Int)
    /// dU[xi][o][i] += sum_t dM[t][xi][o] V[t][xi][i].
    static func winogradWeightProducts(dm: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                                       du: UnsafeMutablePointer<Float>, tiles: Int, inChannels: Int, outChannels: Int)

    /// One output row of the first layer (image planes to 48 features, 3x3), bias and LeakyReLU fused.
    static func imageConvRow(_ image: Tensor, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, slope: Float,
                             _ out: FeatureMap, y: Int)
    /// The first layer's weight and bias gradient sums over one row.
    static func imageConvWeightRow(_ image: Tensor, _ grad: FeatureMap, y: Int, into sums: UnsafeMutablePointer<Float>)

    /// The last layer (1x1, features to image planes) over one row, and its two backward passes.
    static func featureProjectRow(_ features: FeatureMap, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                                  _ out: Tensor, y: Int)
    static func featureProjectBackwardRow(_ gradOut: Tensor, _ w: UnsafePointer<Float>, _ grad: FeatureMap,
                                          activation: FeatureMap, slope: Float, y: Int)
    static func featureProjectWeightRow(_ features: FeatureMap, _ gradOut: Tensor, y: Int, into sums: UnsafeMutablePointer<Float>)

    /// The patch search (the pixel bank's), one candidate over one tile: for every pixel of the
    /// tile, the distance between its patch and the patch `shift` floats away in the neighbourhood
    /// (a candidate's offset, dy * neighbourhoodRowStride + dx), inserted as `candidate` into the
    /// pixel's short list where it is smaller than the last kept (after any equal distance, so
    /// that ties go to the candidate searched first). The tile's layout must be for `lanes`.
    ///
    /// Each distance is summed in one order whatever the width: per pixel, over channels in order;
    /// then along the row, the window's columns left to right; then down the column, a running sum
    /// from the tile's first row (the window's rows top to bottom for row 0, then adding the row
    /// that enters the window less the one that leaves it). So both suites find the same lists.
    static func patchSearchCandidate(_ tile: PatchSearchTile, candidate: Int, shift: Int)

    /// `rounds` rounds of `fmaPeakChains` independent vector FMAs, for measuring the FMA peak of
    /// this instruction set; the result only keeps the work from being optimised away.
    static func fmaPeak(rounds: Int) -> Float
}

/// Winograd F(4x4, 3x3)'s points: 36 products per 4x4 outputs instead of 144.
@inlinable public var winogradPoints: Int { 36 }

extension KernelSuite {
    /// Columns of one register block of the Winograd products: three vectors.
    public static var blockWidth: Int { 3 * lanes }
    /// Rows of one register block of the Winograd products (tiles forward, output channels for
    /// the weight gradient).
    public static var productRows: Int { 4 }
    /// Independent FMA chains in `fmaPeak`: enough to cover the FMA latency on both FMA pipes.
    public static var fmaPeakChains: Int { 12 }
}
