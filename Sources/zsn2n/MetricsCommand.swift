import ArgumentParser
import Foundation
import Imaging
import Pipeline
import Platform

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Measure an image: sharpness and noise without a reference, PSNR and SSIM with one.",
        discussion: """
        Without a reference, on luma (BT.601: 0.299 R + 0.587 G + 0.114 B) in [0,1], each a mean per \
        pixel so that sizes compare:
          sobel        Tenengrad, mean of Gx^2 + Gy^2 over interior pixels with the 3x3 Sobel kernels
          brenner      mean of (I(x+2,y) - I(x,y))^2
          noise_sigma  Immerkaer (1996): sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * N|, N the 3x3
                       Laplacian difference [[1,-2,1],[-2,4,-2],[1,-2,1]], on the 0-255 scale
          noise_corr_h, noise_corr_v
                       the noise's correlation between horizontal / vertical neighbours, measured
                       blind on the flattest 16x16 tiles (overall and per brightness band),
                       a quadratic surface taken out of each
          noise_reach  the distance (1-5 pixels) at which the noise is no longer correlated (< 0.1)
        With --reference:
          psnr         10 log10(1 / MSE) over every colour sample in [0,1]
          ssim         Wang et al. 2004 on luma: Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03
        """)

    @Argument(help: "The image to measure.") var image: String
    @Option(help: "A clean version of the image.") var reference: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let (picture, _) = try ImageIO.read(image)
        let noRef = Metrics.noReference(picture)
        let correlation = NoiseCorrelation.measure(picture)
        var doc: [(String, Double)] = [("sobel", noRef.sobel), ("brenner", noRef.brenner), ("noise_sigma", noRef.noiseSigma),
                                       ("noise_corr_h", correlation.at(dy: 0, dx: 1)!), ("noise_corr_v", correlation.at(dy: 1, dx: 0)!),
                                       ("noise_reach", Double(correlation.reach))]
        if let reference {
            let (clean, _) = try ImageIO.read(reference)
            guard clean.width == picture.width, clean.height == picture.height, clean.channels == picture.channels else {
                throw ExitFailure("\(reference): reference is \(clean.width)x\(clean.height)x\(clean.channels), the image is \(picture.width)x\(picture.height)x\(picture.channels)")
            }
            let r = Metrics.reference(picture, clean: clean)
            doc += [("psnr", r.psnr), ("ssim", r.ssim)]
        }
        if json {
            print(try JSONFormat.line(Report(file: URL(fileURLWithPath: image).lastPathComponent, values: doc)))
        } else {
            print("\(image): \(picture.width)x\(picture.height), \(picture.channels == 1 ? "gray" : "RGB")")
            for (name, value) in doc { print("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0) + String(format: "%.6g", value)) }
        }
    }
}

extension MetricsCommand {
    /// `--json`: the file's name and each measurement by its name, null when it is not a number.
    struct Report: Encodable {
        var file: String
        var values: [(name: String, value: Double)]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(file, forKey: Key(stringValue: "file"))
            for (name, value) in values { try c.encode(FiniteDouble(value), forKey: Key(stringValue: name)) }
        }
    }
}
