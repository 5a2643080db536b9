import Foundation
import Testing
import Denoiser
import Engine
import Imaging
@testable import Pipeline

/// The one-image pipeline, as the CLI and the daemon call it.
@Suite struct DenoisePipelineTests {
    static let quick = try! DenoiseOptions(validating: DenoiseSettings(preset: "paper", iterations: 12, seed: 3, threads: 1))

    @Test("the image is read through the descriptor: a name replaced after the open changes nothing")
    func readsTheOpenedFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a.png", copy = dir + "/copy.png", other = dir + "/b.png"
            try writeNoisyImage(to: path, seed: 1)
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try writeNoisyImage(to: other, seed: 2)
            let input = try InputFile(opening: path)
            #expect(rename(other, path) == 0)
            let result = try DenoisePipeline.run(input, options: Self.quick)
            let alone = try DenoisePipeline.run(try InputFile(opening: copy), options: Self.quick)
            #expect(result.image == alone.image)
            #expect(result.sidecar(outputFile: "x.png").input.sha256 == SHA256.hex(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: copy)))))
            #expect(result.sidecar(outputFile: "x.png").input.file == "a.png")
            #expect(result.sidecar(outputFile: "x.png").output.file == "x.png")
            #expect(result.sidecar(outputFile: "x.png").denoiser.cpu == CPUPath.current.rawValue)
        }
    }

    @Test("two jobs at once, one thread each, give exactly what each gives alone")
    func concurrentJobsAreIndependent() throws {
        try withTemporaryDirectory { dir in
            let paths = [dir + "/a.png", dir + "/b.png"]
            for (seed, path) in paths.enumerated() { try writeNoisyImage(to: path, side: 40, seed: UInt64(seed) + 5) }
            let options = [try DenoiseOptions(validating: DenoiseSettings(sampler: "randomPair", preset: "paper", iterations: 30, seed: 1, threads: 1)),
                           try DenoiseOptions(validating: DenoiseSettings(sampler: "original", preset: "paper", iterations: 30, seed: 2, threads: 1))]
            let alone = try (0..<2).map { try DenoisePipeline.run(try InputFile(opening: paths[$0]), options: options[$0]).image }
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                results.set(k, Result { try DenoisePipeline.run(try InputFile(opening: paths[k]), options: options[k]).image })
            }
            #expect(try results.get(0) == alone[0])
            #expect(try results.get(1) == alone[1])
            #expect(alone[0] != alone[1])
        }
    }

    @Test("errors name the file once, with the stage")
    func errors() throws {
        try withTemporaryDirectory { dir in
            let bogus = dir + "/holiday.png"
            try Data("not an image".utf8).write(to: URL(fileURLWithPath: bogus))
            let notImage = #expect(throws: PipelineError.self) { try DenoisePipeline.run(try InputFile(opening: bogus), options: Self.quick) }
            #expect(notImage?.stage == .decode && notImage?.file == bogus && notImage?.reason == "not a PNG, JPEG or TIFF file")
            #expect(notImage?.description == "\(bogus): not a PNG, JPEG or TIFF file")

            let tiny = dir + "/tiny.png"
            try ImageIO.write(Image(width: 2, height: 2, channels: 1), to: tiny, format: .png)
            let three = try DenoiseOptions(validating: DenoiseSettings(method: "zs-n2n", sampler: "threeSizeSample", iterations: 2))
            let small = #expect(throws: PipelineError.self) { try DenoisePipeline.run(try InputFile(opening: tiny), options: three) }
            #expect(small?.reason.contains("too small for sampler threeSizeSample") == true)

            let good = dir + "/good.png"
            try writeNoisyImage(to: good, side: 24, seed: 1)
            try writeNoisyImage(to: dir + "/other.png", side: 20, seed: 1)
            let mismatch = #expect(throws: PipelineError.self) {
                try DenoisePipeline.run(try InputFile(opening: good), reference: dir + "/other.png", options: Self.quick)
            }
            #expect(mismatch?.file == dir + "/other.png" && mismatch?.reason.contains("good.png is 24x24") == true)
        }
    }

    @Test("strength blends the output with the input: 1 is the denoised image, 0 the input, 0.5 halfway; the sidecar says it")
    func strength() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a.png"
            try writeNoisyImage(to: path, side: 24, seed: 7)
            func run(_ strength: Double) throws -> DenoisedImage {
                try DenoisePipeline.run(try InputFile(opening: path), options: DenoiseOptions(validating: DenoiseSettings {
                    $0.preset = "paper"; $0.iterations = 12; $0.seed = 3; $0.threads = 1; $0.strength = strength
                }))
            }
            let (input, _) = try ImageIO.read(path)
            let full = try run(1), none = try run(0), half = try run(0.5)
            #expect(full.image == (try DenoisePipeline.run(try InputFile(opening: path), options: Self.quick)).image)
            #expect(none.image.pixels == input.pixels)
            #expect(full.image.pixels != input.pixels)
            for i in input.pixels.indices {
                #expect(abs(half.image.pixels[i] - (full.image.pixels[i] + input.pixels[i]) / 2) < 1e-6)
            }
            for (result, strength) in [(full, 1.0), (none, 0.0), (half, 0.5)] {
                #expect(result.sidecar(outputFile: "a.png").denoiser.strength == strength)
            }
        }
        #expect(throws: SettingsError(key: "strength", "must be from 0 to 1, got 2.0")) {
            try DenoiseOptions(validating: DenoiseSettings { $0.strength = 2 })
        }
    }

    @Test("a requested cancellation stops the training at the next iteration and writes nothing")
    func cancellation() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a.png"
            try writeNoisyImage(to: path, seed: 1)
            let cancellation = Cancellation()
            var seen: [Int] = []
            #expect(throws: Cancellation.Cancelled.self) {
                try DenoisePipeline.run(try InputFile(opening: path), options: Self.quick, cancellation: cancellation) { p in
                    seen.append(p.iteration)
                    if p.iteration == 3 { cancellation.request() }
                }
            }
            #expect(seen == [1, 2, 3])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.png"])
        }
    }

    @Test("the output keeps the input's format; 16-bit PNGs and TIFFs (and float TIFFs) stay 16-bit in PNG or TIFF, everything else is 8-bit")
    func outputEncoding() {
        func encoding(_ format: ImageSourceInfo.Format, _ depth: Int, to output: ImageSourceInfo.Format? = nil) -> DenoisedImage.Encoding {
            DenoisedImage.Encoding(source: ImageSourceInfo(format: format, bitDepth: depth, colorType: "rgb", interlaced: false),
                                   format: output, jpegQuality: 90)
        }
        #expect(encoding(.png, 16).bitDepth == 16)
        #expect(encoding(.tiff, 16).bitDepth == 16 && encoding(.tiff, 16).format == .tiff)
        #expect(encoding(.tiff, 32).bitDepth == 16 && encoding(.tiff, 32, to: .png).bitDepth == 16)
        #expect(encoding(.png, 16, to: .tiff).bitDepth == 16 && encoding(.png, 16, to: .tiff).format == .tiff)
        #expect(encoding(.tiff, 8).bitDepth == 8 && encoding(.jpeg, 8, to: .tiff).bitDepth == 8)
        #expect(encoding(.tiff, 16, to: .jpeg).bitDepth == 8)
        #expect([1, 2, 4, 8].map { encoding(.png, $0).bitDepth } == [8, 8, 8, 8])
        #expect(encoding(.jpeg, 8).bitDepth == 8 && encoding(.jpeg, 8).format == .jpeg && encoding(.jpeg, 8).jpegQuality == 90)
    }

    @Test("the output depth, from the formats' table, for every source format and depth written as every format")
    func outputEncodingEveryPair() {
        let deep: Set<ImageSourceInfo.Format> = [.png, .tiff]
        for source in ImageSourceInfo.Format.allCases {
            for depth in source.traits.readDepths {
                let info = ImageSourceInfo(format: source, bitDepth: depth, colorType: "gray", interlaced: false)
                #expect(DenoisedImage.Encoding(source: info, jpegQuality: 95).format == source)
                for target in ImageSourceInfo.Format.allCases {
                    let encoding = DenoisedImage.Encoding(source: info, format: target, jpegQuality: 95)
                    // The rule as DenoisedImage wrote it before the table.
                    let before = deep.contains(target) && deep.contains(source) && depth >= 16 ? 16 : 8
                    #expect(encoding.format == target && encoding.bitDepth == before, "\(source) \(depth)-bit as \(target)")
                    #expect(target.traits.writeDepths.contains(encoding.bitDepth))
                }
            }
        }
    }
}

/// Results written by concurrent jobs, each into its own slot.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Int: Result<Image, Error>] = [:]
    func set(_ k: Int, _ result: Result<Image, Error>) { lock.withLock { slots[k] = result } }
    func get(_ k: Int) throws -> Image { try lock.withLock { slots[k]! }.get() }
}
