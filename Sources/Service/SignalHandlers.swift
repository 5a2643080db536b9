import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM/SIGINT (stop) and SIGHUP (reload) as Dispatch sources. The default actions are ignored
/// first, otherwise the process would die before the source could see the signal.
public final class SignalHandlers: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    public init(queue: DispatchQueue, stop: @escaping @Sendable () -> Void, reload: @escaping @Sendable () -> Void) {
        for (signo, action) in [(SIGTERM, stop), (SIGINT, stop), (SIGHUP, reload)] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
    }
}
