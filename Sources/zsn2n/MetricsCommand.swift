import ArgumentParser
import Foundation
import Imaging

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
        var doc: [(String, Double)] = [("sobel", noRef.sobel), ("brenner", noRef.brenner), ("noise_sigma", noRef.noiseSigma)]
        if let reference {
            let (clean, _) = try ImageIO.read(reference)
            guard clean.width == picture.width, clean.height == picture.height, clean.channels == picture.channels else {
                throw ExitFailure("\(reference): reference is \(clean.width)x\(clean.height)x\(clean.channels), the image is \(picture.width)x\(picture.height)x\(picture.channels)")
            }
            let r = Metrics.reference(picture, clean: clean)
            doc += [("psnr", r.psnr), ("ssim", r.ssim)]
        }
        if json {
            var object: [String: Any] = ["file": URL(fileURLWithPath: image).lastPathComponent]
            for (name, value) in doc { object[name] = value.isFinite ? value : NSNull() }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(image): \(picture.width)x\(picture.height), \(picture.channels == 1 ? "gray" : "RGB")")
            for (name, value) in doc { print("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%.6g", value)) }
        }
    }
}
