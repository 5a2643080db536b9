import Foundation
import Platform

/// The rows of an evaluation: one per method, set and image, appended to a CSV file as each is
/// measured (a `ResultsLog`: a long run resumes where it stopped, and other tools, such as the BM3D
/// script, add rows of their own), and the means per method and set made from them.
public struct EvaluationResults {
    public struct Row: Equatable, Sendable {
        public var method: String
        public var set: String
        public var image: String
        public var width: Int
        public var height: Int
        public var channels: Int
        public var psnrNoisy: Double
        public var ssimNoisy: Double
        public var psnr: Double
        public var ssim: Double
        public var seconds: Double

        var key: String { EvaluationResults.key(method: method, set: set, image: image) }
    }

    public static let header = "method,set,image,width,height,channels,psnr_noisy,ssim_noisy,psnr,ssim,seconds"

    public let path: String
    public private(set) var rows: [Row] = []
    /// The last row when a kill had cut it short: it is measured again (and no longer in the file).
    public private(set) var cutShort: String?
    private var keys = Set<String>()
    private var log: ResultsLog { ResultsLog(path: path, header: EvaluationResults.header) }

    /// The rows of the CSV at `path`, which is created (with its header) when missing.
    public init(path: String) throws {
        self.path = path
        guard let contents = try log.read() else {
            try log.create()
            return
        }
        guard contents.header == EvaluationResults.header else {
            throw EvaluationError("\(path): not a results file of zsn2n evaluate (its first line must be \(EvaluationResults.header))")
        }
        cutShort = contents.cutShort
        for (number, line) in contents.lines.enumerated() {
            let f = CSV.fields(line)
            guard f.count == 11, let w = Int(f[3]), let h = Int(f[4]), let c = Int(f[5]),
                  let pn = Double(f[6]), let sn = Double(f[7]), let p = Double(f[8]), let s = Double(f[9]),
                  let t = Double(f[10]) else {
                throw EvaluationError("\(path): line \(number + 2) is not a results row: \(line)")
            }
            let row = Row(method: f[0], set: f[1], image: f[2], width: w, height: h, channels: c,
                          psnrNoisy: pn, ssimNoisy: sn, psnr: p, ssim: s, seconds: t)
            if keys.insert(row.key).inserted { rows.append(row) }
        }
    }

    static func key(method: String, set: String, image: String) -> String { "\(method)\u{0}\(set)\u{0}\(image)" }

    public func contains(method: String, set: String, image: String) -> Bool {
        keys.contains(EvaluationResults.key(method: method, set: set, image: image))
    }

    /// Adds a row, and appends it to the file at once (fsynced: a long run killed keeps what it did).
    public mutating func append(_ row: Row) throws {
        guard keys.insert(row.key).inserted else { return }
        rows.append(row)
        try log.append(CSV.line([row.method, row.set, row.image, "\(row.width)", "\(row.height)", "\(row.channels)"]
                                + [row.psnrNoisy, row.ssimNoisy, row.psnr, row.ssim].map { String(format: "%.4f", $0) }
                                + [String(format: "%.2f", row.seconds)]))
    }

    /// The means of one method on one set.
    public struct Cell: Codable, Equatable, Sendable {
        public var images: Int
        public var psnr: Double
        public var ssim: Double
        public var gain: Double
        public var seconds: Double
    }

    /// One set: the noisy input's means and each method's cell (methods in the order first seen).
    public struct SetSummary: Codable, Equatable, Sendable {
        public var set: String
        public var images: Int
        public var psnrNoisy: Double
        public var ssimNoisy: Double
        public var methods: [String]
        public var cells: [String: Cell]
    }

    /// Means per set (in `order`, then any others in the order first seen) and method. A method is
    /// compared on the images it shares with every other of the set, so that a run still under way
    /// does not compare means over different images.
    public func summary(order: [String] = []) -> [SetSummary] {
        let sets = EvaluationResults.unique(order.filter { s in rows.contains { $0.set == s } } + rows.map(\.set))
        return sets.map { set in
            let inSet = rows.filter { $0.set == set }
            let methods = EvaluationResults.unique(inSet.map(\.method))
            let imageSets = methods.map { m in Set(inSet.filter { $0.method == m }.map(\.image)) }
            let shared = imageSets.dropFirst().reduce(imageSets[0]) { $0.intersection($1) }
            let common = inSet.filter { shared.contains($0.image) }
            let reference = common.filter { $0.method == methods[0] }
            func mean(_ rs: [Row], _ value: (Row) -> Double) -> Double { rs.isEmpty ? .nan : rs.map(value).reduce(0, +) / Double(rs.count) }
            var cells: [String: Cell] = [:]
            for m in methods {
                let rs = common.filter { $0.method == m }
                cells[m] = Cell(images: rs.count, psnr: mean(rs, \.psnr), ssim: mean(rs, \.ssim),
                                gain: mean(rs) { $0.psnr - $0.psnrNoisy }, seconds: mean(rs, \.seconds))
            }
            return SetSummary(set: set, images: shared.count, psnrNoisy: mean(reference, \.psnrNoisy),
                              ssimNoisy: mean(reference, \.ssimNoisy), methods: methods, cells: cells)
        }
    }

    /// Writes the summary (`summary(order:)`) to `path` as one JSON document, {"sets": [...]}, in
    /// the results files' JSON (`JSONFormat`, non-finite numbers as strings), replaced whole.
    @discardableResult
    public func writeSummary(to path: String, order: [String] = []) throws -> [SetSummary] {
        let summary = summary(order: order)
        try StagedFile.writeAtomically(try JSONFormat.encoder(nonFinite: .strings).encode(["sets": summary]), to: path)
        return summary
    }

    /// The summary as a table: a line per set, PSNR / SSIM / seconds per image for each method.
    public static func table(_ summary: [SetSummary]) -> String {
        let methods = unique(summary.flatMap(\.methods))
        let width = max(26, (methods.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var lines = ["mean PSNR dB / SSIM / seconds per image (images in brackets); gain over the noisy input below"]
        lines.append(pad("set", 14) + pad("noisy", 16) + methods.map { pad($0, width) }.joined())
        for s in summary {
            var line = pad("\(s.set) (\(s.images))", 14) + pad(String(format: "%.2f / %.4f", s.psnrNoisy, s.ssimNoisy), 16)
            var gains = pad("", 30)
            for m in methods {
                guard let c = s.cells[m] else { line += pad("-", width); gains += pad("", width); continue }
                line += pad(String(format: "%.2f / %.4f / %.1f", c.psnr, c.ssim, c.seconds), width)
                gains += pad(String(format: "%+.2f", c.gain), width)
            }
            lines += [line, gains]
        }
        return lines.joined(separator: "\n")
    }

    /// The strings in the order first seen, each once.
    static func unique(_ strings: [String]) -> [String] {
        var seen = Set<String>()
        return strings.filter { seen.insert($0).inserted }
    }
}
