import Foundation

/// A run's PSNR-per-iteration curve as a small standalone SVG (hand-written: no plotting library
/// for one line chart). The noisy input's PSNR is drawn as a dashed line, so the gain is visible.
public enum CurveChart {
    static let width = 640.0, height = 360.0
    static let left = 60.0, right = 20.0, top = 42.0, bottom = 44.0

    public static func svg(curve: [CurvePoint], noisyPSNR: Double, title: String) -> String {
        let points = curve.filter { $0.psnr.isFinite }
        let lastIteration = max(1, points.map(\.iteration).max() ?? 1)
        let values = points.map(\.psnr) + (noisyPSNR.isFinite ? [noisyPSNR] : [])
        var lo = (values.min() ?? 0).rounded(.down), hi = (values.max() ?? 1).rounded(.up)
        if hi - lo < 1 { hi = lo + 1 }
        let yStep = niceStep(hi - lo, most: 8)
        lo = (lo / yStep).rounded(.down) * yStep
        hi = (hi / yStep).rounded(.up) * yStep
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ i: Double) -> Double { left + plotW * i / Double(lastIteration) }
        func y(_ p: Double) -> Double { top + plotH * (hi - p) / (hi - lo) }

        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="15" text-anchor="middle" font-size="14">\(escape(title))</text>
        <text x="\(f(width / 2))" y="30" text-anchor="middle" fill="#444">\(escape(subtitle(points, noisyPSNR)))</text>

        """
        // Grid and tick labels.
        var tick = lo
        while tick <= hi + yStep / 2 {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(trimmed(tick))</text>\n"
            tick += yStep
        }
        let xStep = niceStep(Double(lastIteration), most: 6)
        var xt = 0.0
        while xt <= Double(lastIteration) + xStep / 2 {
            s += "<line x1=\"\(f(x(xt)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x(xt)))\" y2=\"\(f(top + plotH + 4))\" stroke=\"black\"/>"
            s += "<text x=\"\(f(x(xt)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(trimmed(xt))</text>\n"
            xt += xStep
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">iteration</text>\n"
        s += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">PSNR (dB)</text>\n"
        if noisyPSNR.isFinite {
            s += "<line id=\"noisy\" x1=\"\(f(left))\" y1=\"\(f(y(noisyPSNR)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(noisyPSNR)))\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n"
        }
        let line = points.map { "\(f(x(Double($0.iteration)))),\(f(y($0.psnr)))" }.joined(separator: " ")
        s += "<polyline id=\"psnr\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(line)\"/>\n"
        s += "</svg>\n"
        return s
    }

    /// The numbers, above the plot where no curve can cover them.
    static func subtitle(_ points: [CurvePoint], _ noisyPSNR: Double) -> String {
        let final = points.last.map { "final PSNR \(f($0.psnr)) dB after \($0.iteration) iterations" } ?? "no PSNR measured"
        return noisyPSNR.isFinite ? "\(final); noisy input \(f(noisyPSNR)) dB (dashed)" : final
    }

    /// The smallest of 1, 2, 5 x 10^k that cuts `span` into at most `most` steps.
    static func niceStep(_ span: Double, most: Int) -> Double {
        var magnitude = pow(10, (span / Double(most)).log10Floor)
        while true {
            for m in [1.0, 2.0, 5.0] where span / (m * magnitude) <= Double(most) { return m * magnitude }
            magnitude *= 10
        }
    }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }
    static func trimmed(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%g", v)
    }
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

private extension Double {
    var log10Floor: Double { self > 0 ? Foundation.log10(self).rounded(.down) : 0 }
}
