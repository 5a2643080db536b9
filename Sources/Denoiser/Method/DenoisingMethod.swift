import Engine
import Foundation
import Imaging
import Synchronization

/// A zero-shot denoising method: what it measures on the noisy image, how it trains f there, and
/// how the trained f gives the output. `DenoisePipeline` runs every method alike (decode,
/// `prepare`, train, `denoise`, sidecar), so a method is one type in a folder of its own
/// (`ZSN2N/`, `PixelBank/`) and one line in `DenoisingMethods`; nothing outside asks which it is.
public protocol DenoisingMethod: Sendable {
    /// Its name in settings (`--method`, the daemon's `method`), the sidecar and the journal.
    static var name: String { get }
    /// One line for help texts and listings.
    static var summary: String { get }
    /// Its training plan in each preset (before the user's overrides).
    static func plan(_ preset: Preset) -> TrainingPlan
    /// The method as `settings` configure it; throws `SettingsError` naming the setting it cannot
    /// honour.
    init(_ settings: MethodSettings) throws
    /// Why a `width` x `height` image cannot be denoised, said before anything is measured on it;
    /// nil when it can.
    func refusal(height: Int, width: Int) -> String?
    /// Measures what the method needs on `image` and builds its trainer (nothing is trained yet).
    /// `plan` is the preset's with the user's overrides, not yet fitted to the image; the engine
    /// runs on `parallel`, the job's own threads.
    func prepare(_ image: Image, plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws -> any DenoisingRun
    /// True when `other` is this method with the same settings.
    func isEqual(to other: any DenoisingMethod) -> Bool
    /// The settings that make this method what it is, by key, as text (the daemon's journal
    /// entries carry them beside the method's name): ZS-N2N's `sampler`.
    var settingFields: [String: String] { get }
}

extension DenoisingMethod {
    public var name: String { Self.name }
    public func refusal(height: Int, width: Int) -> String? { nil }
    public var settingFields: [String: String] { [:] }
}

extension DenoisingMethod where Self: Equatable {
    public func isEqual(to other: any DenoisingMethod) -> Bool { (other as? Self) == self }
}

/// One method prepared on one image: its trainer, then the output from the trained network.
public protocol DenoisingRun {
    /// The trainer, with the memory plan it was checked against (`Trainer.memory`).
    var trainer: Trainer { get }
    /// What `denoise` allocates beside the image, at its peak.
    var inferenceMemory: MemoryPlan { get }
    /// Replaces the noisy image (the one the trainer hands back, so that a large photo is held
    /// once) by the denoised one, in [0, 1].
    func denoise(_ pixels: inout [Float])
    /// What the sidecar and the summary line say of the method on this image.
    var report: MethodReport { get }
}

/// What a method says of itself on one image, beyond the training plan every method has.
public struct MethodReport: Sendable {
    /// How the summary line names the method on this image: "original" (ZS-N2N's sampler),
    /// "pixel-bank (stride 2)".
    public var headline: String
    /// Keys of the sidecar's `denoiser` block that only this method has, camelCase (the sidecar
    /// writes them snake_case): ZS-N2N's `sampler` and `declared`, the pixel bank's `pixelBank`.
    public var fields: [String: any Encodable & Sendable]

    public init(headline: String, fields: [String: any Encodable & Sendable] = [:]) {
        self.headline = headline
        self.fields = fields
    }
}

/// The settings a method may read. Each method reads those that concern it and refuses what it
/// cannot honour (a mechanism to take away that it does not have).
public struct MethodSettings: Sendable, Equatable {
    /// ZS-N2N's pair downsampler, resolved (a built-in one or one of `declarations`).
    public var sampler: Sampler
    /// The user's declaration of `sampler`, when it is one of theirs.
    public var declaration: DeclaredSampler?
    /// The pixel bank's candidate stride, set by hand (nil: the noise's measured reach).
    public var bankStride: Int?
    /// Parts of the method taken away, for an ablation (`zsn2n evaluate --method 'pixel-bank~acceptance'`).
    public var without: [String]

    public init(sampler: Sampler = .original, declaration: DeclaredSampler? = nil, bankStride: Int? = nil,
                without: [String] = []) {
        self.sampler = sampler
        self.declaration = declaration
        self.bankStride = bankStride
        self.without = without
    }
}

/// Every method zsn2n knows, by name: the two built in, and any registered since (the tests' toy).
public enum DenoisingMethods {
    /// The default: ours, which gains on real noise where ZS-N2N gains almost nothing
    /// (docs/measurements.md, "Quality on real and synthetic noise").
    public static let standard: any DenoisingMethod.Type = PixelBankMethod.self

    private static let registered = Mutex<[any DenoisingMethod.Type]>([ZSN2NMethod.self, PixelBankMethod.self])

    public static var all: [any DenoisingMethod.Type] { registered.withLock { $0 } }

    /// The method of this name (any case), or nil.
    public static func named(_ name: String) -> (any DenoisingMethod.Type)? {
        all.first { $0.name == name.lowercased() }
    }

    /// Adds a method; its name must be new.
    public static func register(_ method: any DenoisingMethod.Type) {
        registered.withLock { list in
            precondition(!list.contains { $0.name == method.name }, "a method named \(method.name) is registered already")
            list.append(method)
        }
    }

    /// The names, for messages: "zs-n2n, pixel-bank".
    public static var names: String { all.map { $0.name }.joined(separator: ", ") }
}

/// Why the denoiser cannot do what it was asked: an image too small for a sampler, a plan too
/// large for the memory budget, a declared sampler that is not one.
public struct DenoiserError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A setting that cannot be used: which one (the daemon's config key; the CLI's option is the same
/// name with dashes) and why.
public struct SettingsError: Error, CustomStringConvertible, Equatable, Sendable {
    public var key: String
    public var reason: String

    public init(key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }

    /// The command-line option this key is (`--jpeg-quality` for `jpeg_quality`).
    public var option: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
}
