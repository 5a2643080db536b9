/// One table: rows = noise settings, columns = samplers, like the study's. One block per image; with
/// several images a last block averages them (image == nil).
public struct TableBlock: Sendable, Equatable, Codable {
    /// nil for the mean over images.
    public var image: String?
    public var title: String
    public var rows: [TableRow]

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)  // null for the mean over images
        try c.encode(title, forKey: .title)
        try c.encode(rows, forKey: .rows)
    }
}
