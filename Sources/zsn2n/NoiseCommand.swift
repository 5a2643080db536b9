import ArgumentParser
import Foundation
import Imaging
import Platform

struct NoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise",
        abstract: "Add synthetic noise to a clean image, for experiments.",
        discussion: """
        gauss:S adds N(0, (S/255)^2) per sample and clamps to [0,1]; poisson:L gives Poisson(L*x)/L; \
        saltpepper:P sets a sample to the image's max with probability P/2 and to its min with \
        probability P/2. The output format follows NOISY's extension (\(extensionsByFormat)); \
        \(deepFormats) are written at 16 bits with --bit-depth 16, so little of the noise is lost to \
        rounding.
        """)

    /// ".png, .jpg/.jpeg or .tif/.tiff"
    private static let extensionsByFormat = ImageSourceInfo.Format.listed(
        "or", as: { $0.traits.fileExtensions.map { "." + $0 }.joined(separator: "/") })
    /// "PNGs and TIFFs": the formats that write 16 bits.
    private static let deepFormats = ImageSourceInfo.Format.listed(
        "and", as: { $0.displayName + "s" }, where: { $0.traits.writeDepths.contains(16) })

    @Argument(help: "The clean image.") var clean: String
    @Option(name: .shortAndLong, help: "Where to write the noisy image.") var output: String
    @Option(help: "gauss:S, poisson:L or saltpepper:P.") var model: String
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "PNG or TIFF bit depth of the output: 8 or 16.") var bitDepth = 8
    @Option(help: "First cut the centre N x N pixels out of the clean image.") var crop: Int?
    @Option(help: "Also write the (cropped) clean image here, as the reference for the noisy one.") var cleanOutput: String?
    @Flag(help: "Replace outputs that exist already (never the input).") var force = false

    func run() throws {
        let noise: NoiseModel
        do { noise = try NoiseModel(parsing: model) } catch { throw ValidationError("\(error)") }
        guard bitDepth == 8 || bitDepth == 16 else { throw ValidationError("--bit-depth must be 8 or 16") }
        guard let format = ImageSourceInfo.Format(fileExtension: URL(fileURLWithPath: output).pathExtension) else {
            throw ValidationError("the output must end in \(ImageSourceInfo.Format.fileExtensions.map { "." + $0 }.joined(separator: ", ")), got \(output)")
        }
        // Checked before anything is written: neither output may be the input, by any name.
        let guardrail = OutputGuard(inputs: [clean], existing: force ? .replace : .refuse)
        for path in [output] + (cleanOutput.map { [$0] } ?? []) { _ = try guardrail.check(path) }
        var (image, info) = try ImageIO.read(clean)
        if let crop {
            guard crop >= 1, crop <= image.width, crop <= image.height else {
                throw ValidationError("--crop \(crop) does not fit in the \(image.width)x\(image.height) image")
            }
            image = image.centreCrop(crop)
        }
        if let cleanOutput {
            try StagedFile.writeAtomically(to: cleanOutput, replacing: force) { temporary in
                try ImageIO.write(image, to: temporary, format: .png, bitDepth: ImageSourceInfo.Format.png.outputDepth(from: info))
            }
        }
        let noisy = noise.apply(to: image, seed: seed)
        try StagedFile.writeAtomically(to: output, replacing: force) { temporary in
            try ImageIO.write(noisy, to: temporary, format: format, bitDepth: bitDepth,
                              iccProfile: info.iccProfile, exif: info.exif)
        }
        print(String(format: "%@: %@ on %@ (seed %llu), PSNR against the clean image %.2f dB",
                     output, noise.description, URL(fileURLWithPath: clean).lastPathComponent, seed,
                     Metrics.psnr(noisy.clamped(), image)))
    }
}
