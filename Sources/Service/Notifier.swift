import CSystemd
import Dispatch
import Foundation

/// sd_notify messages to the service manager (a no-op when NOTIFY_SOCKET is unset), and the
/// watchdog keep-alive.
public final class Notifier: @unchecked Sendable {
    private var watchdogTimer: DispatchSourceTimer?
    private var lastStatus = ""
    private let lock = NSLock()

    public init() {}

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func reloading() { send("RELOADING=1") }
    public func stopping() { send("STOPPING=1\nSTATUS=Stopping") }

    /// STATUS=, sent only when it changed (progress callbacks come every iteration).
    public func status(_ text: String) {
        let changed = lock.withLock { () -> Bool in
            guard text != lastStatus else { return false }
            lastStatus = text
            return true
        }
        if changed { send("STATUS=\(text)") }
    }

    /// When the unit sets WatchdogSec (WATCHDOG_USEC, for this PID), sends WATCHDOG=1 at half the
    /// interval from a timer on `queue`. The timer runs on the daemon's control queue, not on the
    /// training threads, so a long iteration does not starve it, while a wedged control queue (the
    /// part that takes and commits files) stops the pings and lets systemd restart the daemon.
    public func startWatchdog(on queue: DispatchQueue) {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return }
        let interval = DispatchTimeInterval.microseconds(Int(min(usec / 2, UInt64(Int32.max))))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.send("WATCHDOG=1") }
        timer.resume()
        watchdogTimer = timer
    }

    public func stopWatchdog() {
        watchdogTimer?.cancel()
        watchdogTimer = nil
    }

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
