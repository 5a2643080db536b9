import Dispatch
import Foundation
import Pipeline

// What a command shows on the terminal and how it stops: the progress bar, a note on stderr,
// Ctrl-C, and the failure that exits 1 without a stack.

/// A one-line progress bar with an ETA on stderr, drawn only when stderr is a terminal and at most
/// ten times a second; silent otherwise, so logs and pipes stay clean.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    func update(done: Int, total: Int, detail: String = "") {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 28
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let eta = done > 0 ? elapsed * Double(total - done) / Double(done) : .nan
        let line = String(format: "\r%@ [%@] %3.0f%% %d/%d %@ elapsed %@ ETA %@ ",
                          label, bar, fraction * 100, done, total, detail,
                          ProgressBar.clock(elapsed), ProgressBar.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line (when one was drawn).
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%02d:%02d", s / 60, s % 60)
    }
}

/// A line on stderr, clearing a progress bar drawn on the same terminal line first.
func note(_ line: String) {
    let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""
    FileHandle.standardError.write(Data((clear + line + "\n").utf8))
}

/// Ctrl-C while a command trains: the first asks its job to stop at the end of the current
/// iteration (through the job's `Cancellation`, so nothing is written), a second exits at once
/// with 130. Lives as long as the command that made it; SIGINT's default comes back after.
final class Interrupt {
    let cancellation: Cancellation
    private let source: DispatchSourceSignal

    init(cancelling cancellation: Cancellation) {
        self.cancellation = cancellation
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if cancellation.isRequested { exit(130) }
            cancellation.request()
        }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    var requested: Bool { cancellation.isRequested }
}

/// A failure the user caused or can fix: the message on stderr, exit status 1, no stack.
struct ExitFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
