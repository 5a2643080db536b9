import Denoiser
import Imaging

/// results.json: the study's settings, its tables with their rank correlations, and every run.
public struct StudyResults: Sendable, Equatable, Codable {
    public struct ImageEntry: Sendable, Equatable, Codable {
        public var name: String
        public var file: String
        public var width: Int
        public var height: Int
        public var channels: Int
        public var fingerprint: String
        /// The clean image's own sharpness: what a perfect output would score.
        public var sobel: Double
        public var brenner: Double
    }
    public struct SamplerEntry: Sendable, Equatable, Codable {
        public var name: String
        public var summary: String
        public var seeds: [UInt64]
    }
    public struct Settings: Sendable, Equatable, Codable {
        public var images: [ImageEntry]
        public var samplers: [SamplerEntry]
        public var noise: [String]
        public var plan: TrainingPlan
        public var psnrEvery: Int
    }

    public var schema = "zsn2n.study/1"
    public var complete: Bool
    public var runsDone: Int
    public var runsTotal: Int
    public var settings: Settings
    public var table: [TableBlock]
    /// In the order of `StudySettings.runs`.
    public var runs: [RunRecord]

    public init(settings: StudySettings, records: [RunRecord]) {
        let total = settings.runs.count
        complete = records.count == total
        runsDone = records.count
        runsTotal = total
        self.settings = Settings(
            images: settings.images.map { image in
                let q = Metrics.noReference(image.image)
                return ImageEntry(name: image.name, file: image.file, width: image.image.width, height: image.image.height,
                                  channels: image.image.channels, fingerprint: image.fingerprint,
                                  sobel: q.sobel, brenner: q.brenner)
            },
            samplers: settings.samplers.map { SamplerEntry(name: $0.name, summary: $0.summary, seeds: settings.seeds(for: $0.name)) },
            noise: settings.noises.map(\.description), plan: settings.plan, psnrEvery: settings.curveEvery)
        table = StudyTable.blocks(settings: settings, records: records)
        runs = records
    }
}
