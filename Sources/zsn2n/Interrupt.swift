import Dispatch
import Foundation
import Pipeline

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
