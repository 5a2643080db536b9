import Denoiser
import Engine
import Imaging

/// What a study runs: every image x noise setting x sampler x that sampler's seeds, each trained with
/// one plan, its PSNR recorded every `curveEvery` iterations.
public struct StudySettings: Sendable {
    public var images: [StudyImage]
    public var samplers: [Sampler]
    public var noises: [NoiseModel]
    /// The seeds of every sampler not named in `seedsBySampler`.
    public var seeds: [UInt64]
    /// Samplers given their own seeds (the study ran `original` with three, the others with one).
    public var seedsBySampler: [String: [UInt64]]
    public var plan: TrainingPlan
    /// PSNR is measured before training and every this many iterations (the study plotted every 10).
    public var curveEvery: Int
    /// The engine threads every run trains on (the results do not depend on them).
    public var parallel: Parallel

    public init(images: [StudyImage], samplers: [Sampler] = Sampler.study,
                noises: [NoiseModel] = StudySettings.defaultNoises, seeds: [UInt64] = [0],
                seedsBySampler: [String: [UInt64]] = [:], plan: TrainingPlan = ZSN2NMethod.plan(.paper),
                curveEvery: Int = 10, parallel: Parallel = .allCores) throws {
        self.images = images
        self.samplers = samplers
        self.noises = noises
        self.seeds = seeds
        self.seedsBySampler = seedsBySampler
        self.plan = plan
        self.curveEvery = curveEvery
        self.parallel = parallel
        try validate()
    }

    /// The study's noise settings: Gaussian, sigma 25, 50 and 100 on the 0-255 scale.
    public static let defaultNoises: [NoiseModel] = [.gauss(sigma: 25), .gauss(sigma: 50), .gauss(sigma: 100)]

    public func seeds(for sampler: String) -> [UInt64] {
        seedsBySampler[sampler] ?? seeds
    }

    /// Every run, in the order they are done: image, then noise setting, then sampler (in the given
    /// order, the study's table order by default), then seed.
    public var runs: [RunKey] {
        images.flatMap { image in
            noises.flatMap { noise in
                samplers.flatMap { sampler in
                    seeds(for: sampler.name).map {
                        RunKey(image: image.name, noise: noise.description, sampler: sampler.name, seed: $0)
                    }
                }
            }
        }
    }

    public func image(named name: String) -> StudyImage? { images.first { $0.name == name } }
    public func sampler(named name: String) -> Sampler? { samplers.first { $0.name == name } }
    public func noise(named text: String) -> NoiseModel? { noises.first { $0.description == text } }

    func validate() throws {
        guard !images.isEmpty else { throw StudyError("no images to run the study on") }
        guard !samplers.isEmpty else { throw StudyError("no samplers to compare") }
        guard !noises.isEmpty else { throw StudyError("no noise settings") }
        guard plan.iterations >= 1 else { throw StudyError("the study needs at least 1 training iteration") }
        guard curveEvery >= 1 else { throw StudyError("the PSNR curve needs a step of at least 1 iteration") }
        try requireUnique(images.map(\.name), what: "image name",
                          hint: "output folders are named after images; rename one of the files")
        try requireUnique(samplers.map(\.name), what: "sampler", hint: "")
        try requireUnique(noises.map(\.description), what: "noise setting", hint: "")
        for (name, list) in seedsBySampler {
            guard samplers.contains(where: { $0.name == name }) else {
                throw StudyError("seeds are given for sampler \(name), which is not among the study's samplers")
            }
            guard !list.isEmpty else { throw StudyError("sampler \(name) is given no seeds") }
            try requireUnique(list.map(String.init), what: "seed of \(name)", hint: "")
        }
        guard !seeds.isEmpty else { throw StudyError("no seeds") }
        try requireUnique(seeds.map(String.init), what: "seed", hint: "")
        for image in images {
            for sampler in samplers {
                let half = sampler.outputSize(height: image.image.height, width: image.image.width)
                guard half.height >= 1, half.width >= 1 else {
                    throw StudyError("\(image.file): a \(image.image.width)x\(image.image.height) image is too small for sampler \(sampler.name), which needs at least \(sampler.minimumSide) pixels a side")
                }
            }
        }
    }

    private func requireUnique(_ names: [String], what: String, hint: String) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw StudyError("\(what) \(name) appears twice" + (hint.isEmpty ? "" : ": \(hint)"))
        }
    }
}

/// A study that cannot run as asked: says why, for the user to fix.
public struct StudyError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
