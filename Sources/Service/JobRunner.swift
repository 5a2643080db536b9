import Foundation

/// What the daemon asks of the denoiser for one file. The daemon core knows nothing of networks or
/// codecs: it hands a path and settings to a `JobRunner` and gets back something it can commit.
public struct JobRequest: Sendable {
    /// Where to read the input: `/proc/self/fd/N`, the descriptor the daemon opened with
    /// O_NOFOLLOW and checked, so that a name swapped for a symlink meanwhile is never followed.
    public var input: String
    /// The input's name in the inbox (what the sidecar and the messages call it).
    public var name: String
    /// A clean image of the same name in the reference folder, when one exists.
    public var reference: String?
    /// The name the output will probably get in the outbox (the final name is chosen at commit).
    public var outputName: String
    public var config: DaemonConfig
}

/// Training progress as the runner reports it; the callback returns false to cancel.
public struct JobProgressReport: Sendable {
    public var iteration: Int
    public var total: Int
    public var loss: Float
    public var fraction: Double
    public init(iteration: Int, total: Int, loss: Float, fraction: Double) {
        self.iteration = iteration
        self.total = total
        self.loss = loss
        self.fraction = fraction
    }
}

/// A finished job, not yet written anywhere.
public struct JobOutcome {
    /// Encodes the output image to `path` (a temporary name in the outbox).
    public var writeOutput: (_ path: String) throws -> Void
    /// The sidecar document for the output's final name (JSON, the published schema).
    public var sidecar: (_ outputName: String) throws -> Data
    /// Extra journal fields for the "done" entry (without the ZSN2N_ prefix), e.g. metrics.
    public var journalFields: [String: String]

    public init(writeOutput: @escaping (String) throws -> Void, sidecar: @escaping (String) throws -> Data,
                journalFields: [String: String]) {
        self.writeOutput = writeOutput
        self.sidecar = sidecar
        self.journalFields = journalFields
    }
}

/// The runner stopped because the progress callback asked it to.
public struct JobCancelled: Error {
    public init() {}
}

/// A job that failed for a reason worth telling the operator: `stage` is where (decode, train,
/// denoise, write, commit), `reason` is what, in words.
public struct JobFailure: Error, CustomStringConvertible {
    public var stage: String
    public var reason: String
    public init(stage: String, reason: String) {
        self.stage = stage
        self.reason = reason
    }
    public var description: String { "\(stage): \(reason)" }
}

public protocol JobRunner: Sendable {
    /// Checked at start and on reload: a sampler or preset the denoiser does not know is a config error.
    func validate(_ config: DaemonConfig) throws
    /// Runs one job; throws `JobCancelled` when `progress` returned false, `JobFailure` (or any
    /// error) when the input cannot be denoised.
    func run(_ request: JobRequest, progress: (JobProgressReport) -> Bool) throws -> JobOutcome
}
