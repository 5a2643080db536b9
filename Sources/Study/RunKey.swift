/// One run of the study: an image, a noise setting, a sampler and a seed. Within one output folder
/// (whose training plan is fixed, see `StudyFolder`) the key determines the run's result exactly.
public struct RunKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var image: String
    /// The noise model's canonical text, e.g. "gauss:25".
    public var noise: String
    public var sampler: String
    public var seed: UInt64

    public init(image: String, noise: String, sampler: String, seed: UInt64) {
        self.image = image
        self.noise = noise
        self.sampler = sampler
        self.seed = seed
    }

    public var description: String { "\(image) \(noise) \(sampler) seed \(seed)" }

    /// The seed of the noisy image: derived from the noise setting, the image's name and the run's
    /// seed, and not from the sampler, so that every sampler trains on the same noisy image and the
    /// samplers compare on identical inputs. (FNV-1a of "noise|image|seed", then SplitMix64's
    /// finaliser to spread the bits.)
    public var noiseSeed: UInt64 {
        var hash = FNV1a()
        hash.add("\(noise)|\(image)|\(seed)".utf8)
        var z = hash.value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The run's files, relative to the output folder, without extension:
    /// runs/IMAGE/NOISE/SAMPLER-seedN, with the noise's ':' made a '-' (gauss-25) for portable names.
    public var fileStem: String {
        let noiseFolder = String(noise.map { $0 == ":" ? "-" : $0 })
        return "runs/\(image)/\(noiseFolder)/\(sampler)-seed\(seed)"
    }

    public var curveFile: String { fileStem + "-curve.svg" }
    public var montageFile: String { fileStem + "-montage.png" }
}
