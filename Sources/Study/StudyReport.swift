import Foundation
import Imaging

/// What a call of `StudyRunner.run` did.
public struct StudyReport {
    public var results: StudyResults
    /// The table as printed (and written to table.md).
    public var table: String
    /// Runs found done in the folder and not run again.
    public var skipped: [RunKey]
    /// Runs done by this call, in order.
    public var executed: [RunKey]
    /// True when the call stopped before every run was done (asked to, or interrupted).
    public var stoppedEarly: Bool
}
