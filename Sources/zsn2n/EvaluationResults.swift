import Foundation
import Platform

/// The rows of `zsn2n evaluate`: one per method, set and image, appended to a CSV file as each is
/// measured (so that a long run resumes where it stopped, and other tools, such as the BM3D script,
/// add rows of their own), and the means per method and set made from them.
struct EvaluationResults {
    struct Row: Equatable {
        var method: String
        var set: String
        var image: String
        var width: Int
        var height: Int
        var channels: Int
        var psnrNoisy: Double
        var ssimNoisy: Double
        var psnr: Double
        var ssim: Double
        var seconds: Double

        var key: String { EvaluationResults.key(method: method, set: set, image: image) }
    }

    static let header = "method,set,image,width,height,channels,psnr_noisy,ssim_noisy,psnr,ssim,seconds"

    let path: String
    private(set) var rows: [Row] = []
    private var keys = Set<String>()

    /// The rows of the CSV at `path`, which is created (with its header) when missing.
    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            try StagedFile.writeAtomically(Data((EvaluationResults.header + "\n").utf8), to: path, replacing: false)
            return
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == EvaluationResults.header else {
            throw ExitFailure("\(path): not a results file of zsn2n evaluate (its first line must be \(EvaluationResults.header))")
        }
        lines.removeFirst()
        // A run killed mid-append leaves its last row cut short, without its newline: that row is
        // dropped (and measured again), so that the next row starts on a line of its own.
        if !text.hasSuffix("\n"), let cut = lines.popLast() {
            note("\(path): the last row was cut short and is measured again: \(cut)")
            try StagedFile.writeAtomically(Data(([EvaluationResults.header] + lines).map { $0 + "\n" }.joined().utf8), to: path)
        }
        for (number, line) in lines.enumerated() {
            let f = EvaluationResults.fields(line)
            guard f.count == 11, let w = Int(f[3]), let h = Int(f[4]), let c = Int(f[5]),
                  let pn = Double(f[6]), let sn = Double(f[7]), let p = Double(f[8]), let s = Double(f[9]),
                  let t = Double(f[10]) else {
                throw ExitFailure("\(path): line \(number + 2) is not a results row: \(line)")
            }
            let row = Row(method: f[0], set: f[1], image: f[2], width: w, height: h, channels: c,
                          psnrNoisy: pn, ssimNoisy: sn, psnr: p, ssim: s, seconds: t)
            if keys.insert(row.key).inserted { rows.append(row) }
        }
    }

    static func key(method: String, set: String, image: String) -> String { "\(method)\u{0}\(set)\u{0}\(image)" }

    func contains(method: String, set: String, image: String) -> Bool {
        keys.contains(EvaluationResults.key(method: method, set: set, image: image))
    }

    /// Adds a row, and appends it to the file at once (fsynced: a long run killed keeps what it did).
    mutating func append(_ row: Row) throws {
        guard keys.insert(row.key).inserted else { return }
        rows.append(row)
        let fields = [row.method, row.set, row.image].map(EvaluationResults.quoted)
            + ["\(row.width)", "\(row.height)", "\(row.channels)"]
            + [row.psnrNoisy, row.ssimNoisy, row.psnr, row.ssim].map { String(format: "%.4f", $0) }
            + [String(format: "%.2f", row.seconds)]
        try AppendLog(path: path).append(Data(fields.joined(separator: ",").utf8))
    }

    /// The means of one method on one set.
    struct Cell: Codable, Equatable {
        var images: Int
        var psnr: Double
        var ssim: Double
        var gain: Double
        var seconds: Double
    }

    /// One set: the noisy input's means and each method's cell (methods in the order first seen).
    struct SetSummary: Codable, Equatable {
        var set: String
        var images: Int
        var psnrNoisy: Double
        var ssimNoisy: Double
        var methods: [String]
        var cells: [String: Cell]
    }

    /// Means per set (in `order`, then any others in the order first seen) and method. A method is
    /// compared on the images it shares with every other of the set, so that a run still under way
    /// does not compare means over different images.
    func summary(order: [String] = []) -> [SetSummary] {
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

    /// The summary as a table: a line per set, PSNR / SSIM / seconds per image for each method.
    static func table(_ summary: [SetSummary]) -> String {
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

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func quoted(_ field: String) -> String {
        field.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    /// The fields of one CSV line, quotes undone.
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let ch = characters.next() {
            if quoted {
                if ch == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(field); field = "" } else { field.append(next) }
                        }
                    } else { quoted = false }
                } else { field.append(ch) }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == "," {
                fields.append(field); field = ""
            } else {
                field.append(ch)
            }
        }
        fields.append(field)
        return fields
    }
}
