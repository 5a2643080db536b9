/// One sampler's cell in a table row: each measurement summarised over the cell's seeds.
public struct TableCell: Sendable, Equatable, Codable {
    public var sampler: String
    public var psnr: Summary
    public var ssim: Summary
    public var sobel: Summary
    public var brenner: Summary
}
