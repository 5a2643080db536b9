extension PixelBank {
    /// Which matches a bank keeps: a match is kept when its patch distance is at most `tau` times
    /// the reference distance at the pixel's brightness. The reference is a low percentile of the
    /// best match's distance among the pixels of the same brightness (64 bins of equal population):
    /// noise that grows with the signal (shot noise, a camera's curve) then sets its own scale.
    /// With 16 bins, a fluorescence frame whose dark background filled most of them left its
    /// bright cells in a few wide bins, where the dimmer pixels set the reference and most
    /// matches of the brighter were refused: 4.2 dB lost on poisson:30 (cell.png, 256x256 crop;
    /// with 64 bins 30.96 -> 35.02 dB, ZS-N2N 35.17).
    public struct Acceptance: Sendable, Equatable {
        /// Upper brightness of each bin but the last (the 1/64 ... 63/64 quantiles).
        public var edges: [Float]
        /// The reference distance in each bin.
        public var references: [Float]
        public var tau: Float

        public static let bins = 64

        /// tau: 4 when the noise is correlated (stride 2 or more), 2 when it is white (on a stride-1
        /// lattice a looser bound lets in too many mismatches).
        public static func tau(stride: Int) -> Float { stride >= 2 ? 4 : 2 }

        /// The reference's percentile: the 10th where the noise is white, the 25th where it is
        /// correlated. On correlated camera noise the looser reference kept more matches of the
        /// lightly noisy, textured photos and gained on both camera sets at full size (one run of
        /// `zsn2n evaluate`, AMD EPYC Zen 4): PolyU 37.33 -> 37.61 dB (+0.05 to +0.42 on every one
        /// of its 10 images), CC 36.86 -> 36.93, SIDD 32.23 -> 32.24, FMD 32.91 -> 32.88 (its
        /// wide-field frames -0.20 and +0.01); the 40th gave PolyU 37.77 but CC 36.82. On white
        /// noise the 25th lost up to 0.24 dB on gauss:25 crops (data/evaluation/tuning.csv, `pct25`).
        public static func percentile(stride: Int) -> Double { stride >= 2 ? 0.25 : 0.1 }

        /// Fitted on banks not yet accepted; the percentile is the white-noise one unless given.
        public init(fitting banks: [PixelBank], tau: Float, percentile: Double = Acceptance.percentile(stride: 1)) {
            let brightness = banks.flatMap(\.brightness)
            var nearest = banks.flatMap { $0.distances.prefix($0.height * $0.width) }
            precondition(!brightness.isEmpty && brightness.count == nearest.count, "fit on banks before they are accepted")
            var reordered = brightness
            let edges = Quantiles.of(&reordered, (1..<Acceptance.bins).map { Double($0) / Double(Acceptance.bins) })
            var byBin = [[Float]](repeating: [], count: Acceptance.bins)
            for (b, d) in zip(brightness, nearest) { byBin[Acceptance.bin(b, edges: edges)].append(d) }
            let overall = Quantiles.of(&nearest, [percentile])[0]
            references = byBin.indices.map { byBin[$0].isEmpty ? overall : Quantiles.of(&byBin[$0], [percentile])[0] }
            self.edges = edges
            self.tau = tau
        }

        /// The largest distance kept at this brightness.
        @inline(__always)
        func limit(brightness: Float) -> Float { tau * references[Acceptance.bin(brightness, edges: edges)] }

        /// The bin of a brightness: how many edges lie strictly below it (one equal to an edge goes
        /// to the lower bin).
        @inline(__always)
        static func bin(_ value: Float, edges: [Float]) -> Int {
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] < value { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }
}
