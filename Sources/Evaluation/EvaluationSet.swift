import Foundation
import Imaging
import Platform

/// One set of an evaluation: noisy images with their clean references, either found in a folder
/// (real noise: DIR/noisy/NAME and DIR/clean/NAME) or made from a folder of clean images with a
/// noise model, seeded (synthetic noise), optionally turned gray first; either optionally cut to
/// their centre N x N pixels (for quick studies such as the ablation).
///
/// Spec: `NAME=DIR[@MODEL][@gray][@crop=N]`, e.g. `cc=../shared/realnoise/cc`,
/// `gauss25=../shared/testdata@gauss:25`, `gauss25-gray=../shared/testdata@gauss:25@gray`,
/// `cc256=../shared/realnoise/cc@crop=256`.
public struct EvaluationSet: Equatable, Sendable {
    public struct Pair: Equatable, Sendable {
        /// The name rows know the image by (a made image's is its file's with .png).
        public var image: String
        public var noisy: String
        public var clean: String
    }

    public var name: String
    public var folder: String
    public var noise: NoiseModel?
    public var gray = false
    public var crop: Int?

    public init(parsing spec: String) throws {
        let usage = "--set \(spec): expected NAME=DIR[@MODEL][@gray][@crop=N]"
        guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else { throw EvaluationError.usage(usage) }
        name = String(spec[..<equals])
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw EvaluationError.usage("--set \(spec): a set's name is letters, digits, '-', '_' and '.' only")
        }
        var parts = spec[spec.index(after: equals)...].split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        folder = parts.removeFirst()
        guard !folder.isEmpty else { throw EvaluationError.usage("--set \(spec): no folder") }
        for part in parts {
            if part == "gray" {
                gray = true
            } else if part.hasPrefix("crop=") {
                guard let side = Int(part.dropFirst(5)), side >= 8 else { throw EvaluationError.usage("--set \(spec): crop=N takes a side of 8 or more") }
                crop = side
            } else if noise == nil {
                do { noise = try NoiseModel(parsing: part) } catch { throw EvaluationError.usage("--set \(spec): \(error)") }
            } else {
                throw EvaluationError.usage(usage)
            }
        }
        guard noise != nil || !gray else { throw EvaluationError.usage("--set \(spec): @gray needs a noise model (the set is made from clean images)") }
    }

    /// The set's pairs, in name order. Pairs that are made (synthetic noise, crops) are made in
    /// `work`/NAME/ (synthetic noise as 16-bit PNG, so that rounding keeps it) and reused when they
    /// are there already: one seed per image (`seed` plus its position) gives the same noise on
    /// every run.
    public func pairs(work: String, seed: UInt64) throws -> [Pair] {
        let sources: [(image: String, noisy: String?, clean: String)]
        if noise == nil {
            sources = try images(in: FileSystem.join(folder, "noisy")).map { noisy in
                let image = (noisy as NSString).lastPathComponent
                let clean = FileSystem.join(FileSystem.join(folder, "clean"), image)
                guard FileSystem.exists(clean, followingSymlink: true) else {
                    throw EvaluationError("set \(name): \(noisy) has no clean reference \(clean)")
                }
                return (image, noisy, clean)
            }
            if crop == nil { return sources.map { Pair(image: $0.image, noisy: $0.noisy!, clean: $0.clean) } }
        } else {
            sources = try images(in: folder).map { (((($0 as NSString).lastPathComponent) as NSString).deletingPathExtension + ".png", nil, $0) }
        }
        let made = FileSystem.join(work, name)
        for sub in ["noisy", "clean"] {
            // FileManager, not FileSystem.makeDirectory: a --work given as a symlink to a folder is followed.
            try FileManager.default.createDirectory(atPath: FileSystem.join(made, sub), withIntermediateDirectories: true)
        }
        return try sources.enumerated().map { index, source in
            let image = (source.image as NSString).deletingPathExtension + ".png"
            let pair = Pair(image: image, noisy: FileSystem.join(FileSystem.join(made, "noisy"), image),
                            clean: FileSystem.join(FileSystem.join(made, "clean"), image))
            if FileSystem.exists(pair.noisy, followingSymlink: true), FileSystem.exists(pair.clean, followingSymlink: true) {
                return pair
            }
            var (clean, info) = try ImageIO.read(source.clean)
            clean.alpha = nil
            if gray && clean.channels > 1 {
                clean = Image(width: clean.width, height: clean.height, channels: 1, pixels: Metrics.luma(clean))
            }
            var noisy: Image
            var noisyDepth = 16
            if let given = source.noisy {
                let read = try ImageIO.read(given)
                noisy = read.image
                noisy.alpha = nil
                noisyDepth = read.info.bitDepth == 16 ? 16 : 8
            } else {
                noisy = noise!.apply(to: clean, seed: seed &+ UInt64(index))
            }
            if let crop {
                guard crop <= min(clean.width, clean.height) else {
                    throw EvaluationError("set \(name): crop=\(crop) does not fit in \(source.clean) (\(clean.width)x\(clean.height))")
                }
                clean = clean.centreCrop(crop)
                noisy = noisy.centreCrop(crop)
            }
            try StagedFile.writeAtomically(to: pair.clean, replacing: true) { temporary in
                try ImageIO.write(clean, to: temporary, format: .png, bitDepth: gray || info.bitDepth == 16 ? 16 : 8)
            }
            try StagedFile.writeAtomically(to: pair.noisy, replacing: true) { temporary in
                try ImageIO.write(noisy, to: temporary, format: .png, bitDepth: noisyDepth)
            }
            return pair
        }
    }

    private func images(in folder: String) throws -> [String] {
        guard (try? FileSystem.identity(of: folder, followingSymlink: true))??.isDirectory == true else {
            throw EvaluationError("set \(name): \(folder) is not a folder")
        }
        let listing: FolderListing
        do { listing = try FileSystem.listing(of: folder, extensions: ImageSourceInfo.Format.fileExtensions) } catch {
            throw EvaluationError.usage("\(folder): cannot list the folder: \(error)")
        }
        let files = listing.names.map { FileSystem.join(folder, $0) }
        guard !files.isEmpty else { throw EvaluationError("set \(name): no images in \(folder)") }
        return files
    }
}
