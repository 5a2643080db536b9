import Foundation
import SystemPackage

/// Why one image could not be denoised: at which stage, about which file (named once, as the user
/// knows it: the input's name, or the reference's), and why in words. The CLI prints
/// `FILE: REASON`; the daemon writes the stage and the reason into NAME.error.json.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public enum Stage: String, Sendable {
        case open, decode, train, denoise, write
    }

    public var stage: Stage
    public var file: String
    public var reason: String
    /// The system's error, where one caused this (the daemon treats a vanished file as gone).
    public var errno: Errno?

    public init(_ stage: Stage, file: String, reason: String, errno: Errno? = nil) {
        self.stage = stage
        self.file = file
        self.reason = reason
        self.errno = errno
    }

    public var description: String { "\(file): \(reason)" }
}
