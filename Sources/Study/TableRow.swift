/// One noise setting: the noisy input's PSNR, one cell per sampler (in the study's column order,
/// missing samplers left out), and the rank agreement under it.
public struct TableRow: Sendable, Equatable, Codable {
    public var noise: String
    public var noisyPsnr: Summary
    public var cells: [TableCell]
    public var agreement: RankAgreement

    public func cell(_ sampler: String) -> TableCell? { cells.first { $0.sampler == sampler } }
}
