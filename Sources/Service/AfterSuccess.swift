import Denoiser
import Foundation
import Logging
import Pipeline

/// What happens to an original once its output and sidecar are committed.
public enum AfterSuccess: String, Sendable, CaseIterable {
    case move, keep, delete
}
