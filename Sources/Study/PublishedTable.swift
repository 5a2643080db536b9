/// The study's published PSNRs (docs/method.md, "The sampler study's published table": one Kodak24
/// image, Gaussian noise, paper recipe), to compare our ranking of samplers with its ranking.
/// Absolute values do not compare (another image and size), orders do.
public enum PublishedTable {
    public static let samplers = ["original", "remoteWeight", "remoteNegativeWeight", "threeSizeSample", "stripe",
                                  "maxAndAvgPool", "avgPoolAndRandomPool", "maxPoolAndRandomPool"]
    /// Rows by the noise model's canonical text.
    public static let rows: [String: [Double]] = [
        "gauss:25": [31.28, 27.5, 27.83, 29.86, 29.18, 23.58, 29.19, 22.98],
        "gauss:50": [26.66, 21.07, 22.32, 25.07, 25.90, 19.68, 25.10, 17.44],
        "gauss:100": [20.65, 16.52, 16.94, 20.08, 20.52, 14.51, 19.97, 12.53],
    ]

    /// The study's PSNR for this noise setting and sampler, when it published one.
    public static func psnr(noise: String, sampler: String) -> Double? {
        guard let row = rows[noise], let column = samplers.firstIndex(of: sampler) else { return nil }
        return row[column]
    }
}
