import Dispatch
import Foundation
import Logging
import Pipeline
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The daemon: wires the watcher, the settler, the queue and the workers together, and handles
/// start, reload and stop. All state changes happen on `control`, a serial queue; jobs run on
/// worker threads of their own so that training never blocks the control queue (nor the watchdog).
public final class Daemon: @unchecked Sendable {
    public typealias ConfigSource = @Sendable () throws -> DaemonConfig

    private let control = DispatchQueue(label: "zsn2nd.control")
    private let loadConfig: ConfigSource
    /// Requested on SIGTERM: every running job stops at its next iteration.
    private let cancellation = Cancellation()
    private let notifier = Notifier()
    private let journal: Journal
    private let stateLock = NSLock()
    private var config: DaemonConfig
    private var logger: Logger
    private var ledger: Ledger
    private var watcher: InboxWatcher?
    private var settler: Settler?
    private let queue: JobQueue
    private var workers: Set<Int> = []
    private let workersDone = DispatchGroup()
    private var stopping = false
    private var signals: SignalHandlers?
    private var counts = (done: 0, failed: 0)
    /// Bumped whenever the sweeps are scheduled anew (a reload), so that an older timer stops.
    private var retentionGeneration = 0
    private let metrics: DaemonMetrics

    public init(config: DaemonConfig, journal: Journal, loadConfig: @escaping ConfigSource) {
        self.config = config
        self.journal = journal
        self.loadConfig = loadConfig
        var logger = Logger(label: "zsn2nd") { _ in JournalLogHandler(journal: journal, level: config.logLevel) }
        logger.logLevel = config.logLevel
        self.logger = logger
        ledger = Ledger(outbox: config.outbox)
        queue = JobQueue(concurrency: config.concurrency)
        metrics = DaemonMetrics(directory: config.metricsDir) { [logger] failure in
            logger.warning("cannot write the metrics file \(failure)", metadata: ["event": "metrics_failed", "reason": "\(failure)"])
        }
    }

    private var current: (config: DaemonConfig, logger: Logger, ledger: Ledger) {
        stateLock.withLock { (config, logger, ledger) }
    }

    private var isStopping: Bool { stateLock.withLock { stopping } }

    /// Prepares the folders, recovers from an earlier kill, takes the backlog, then tells systemd
    /// READY=1. Throws when the folders cannot be used; never returns otherwise until exit.
    public func run() throws -> Never {
        try prepare(config)
        metrics.move(to: config.metricsDir)  // the first file, before any job
        signals = SignalHandlers(queue: control, stop: { [self] in stop() }, reload: { [self] in reload() })
        try control.sync {
            try arm(config)
            let backlog = try settler!.scan()
            spawnWorkers()
            logger.info("ready: watching \(config.inbox) with \(config.method) (\(backlog) file(s) in the backlog)",
                        metadata: config.denoiserFields.merging([
                            "event": "ready", "inbox": "\(config.inbox)", "outbox": "\(config.outbox)", "backlog": "\(backlog)",
                        ]) { $1 })
            notifier.ready(status: idleStatus())
            notifier.startWatchdog(on: control)
            scheduleRetention()
        }
        dispatchMain()
    }

    /// Creates the folders, removes the temporaries a kill left behind and loads the ledger.
    /// On reload (`atStart` false) temporaries are left alone: a running job may be writing them;
    /// and the ledger is loaded again only for a new outbox (a running job may be appending to the
    /// current one, and a second instance over the same file would miss its entries).
    private func prepare(_ config: DaemonConfig, atStart: Bool = true, newLedger: Bool = true) throws {
        for folder in [config.inbox, config.outbox, config.done, config.failed] + [config.metricsDir].compactMap({ $0 }) {
            try FileSystem.makeDirectory(folder)
        }
        for path in atStart ? Outbox(config: config).removeStaleTemporaries() : [] {
            logger.notice("removed a temporary file left by an interrupted run: \(path)",
                          metadata: ["event": "cleanup", "file": "\(path)"])
        }
        guard newLedger else { return }
        let ledger = Ledger(outbox: config.outbox)
        try ledger.load(inbox: config.inbox)
        stateLock.withLock { self.ledger = ledger }
    }

    /// Starts watching `config.inbox` (on the control queue).
    private func arm(_ config: DaemonConfig) throws {
        let settler = Settler(inbox: config.inbox, settleSeconds: config.settleSeconds,
                              emptyTimeoutSeconds: config.emptyTimeoutSeconds, queue: control,
                              ready: { [weak self] name in self?.enqueue(name) },
                              undecodable: { [weak self] entry in self?.refuseUndecodable(entry) })
        let watcher = try InboxWatcher(folder: config.inbox) { [weak self] event in
            guard let self else { return }
            control.async { self.handle(event) }
        }
        watcher.start()
        self.watcher?.stop()
        self.watcher = watcher
        self.settler = settler
    }

    /// Sweeps the outbox, done/ and failed/ as the configuration keeps them (`Retention`), now and
    /// then every `Retention.interval`, and compacts the ledger with each sweep (on `control`).
    private func scheduleRetention() {
        retentionGeneration += 1
        let generation = retentionGeneration
        func sweep() {
            guard generation == retentionGeneration, !isStopping else { return }
            let (config, logger, ledger) = current
            let retention = Retention(config: config)
            guard let interval = retention.interval else { return }
            let removals = retention.sweep { failure in
                logger.warning("retention: cannot remove \(failure)", metadata: ["event": "retention_failed", "reason": "\(failure)"])
            }
            for removal in removals {
                let files = removal.files.joined(separator: ", ")
                logger.notice("retention: removed \(files) from \(removal.folder) after \(String(format: "%.1f", removal.ageDays)) days",
                              metadata: ["event": "retention", "folder": "\(removal.folder)", "file": "\(removal.files[0])",
                                         "files": "\(files)", "age_days": "\(String(format: "%.3f", removal.ageDays))"])
            }
            do { try ledger.compact() } catch {
                logger.warning("cannot compact the ledger: \(error)", metadata: ["event": "ledger_failed", "reason": "\(error)"])
            }
            control.asyncAfter(deadline: .now() + interval) { sweep() }
        }
        sweep()
    }

    private func handle(_ event: InboxWatcher.Event) {
        guard let settler, !isStopping else { return }
        switch event {
        case .maybeComplete(let name): settler.consider(name)
        case .created(let name): settler.consider(name, onlyIfSpecial: true)
        case .modified(let name): settler.touched(name)
        case .gone(let name): settler.forget(name)
        case .undecodable(let entry): settler.refuse(entry)
        case .inboxLost:
            // Someone removed or renamed the inbox: make it again and watch the new one, so that
            // drops keep working without a restart.
            let config = current.config
            logger.critical("the inbox \(config.inbox) was deleted or moved; recreating it",
                            metadata: ["event": "inbox_lost", "inbox": "\(config.inbox)"])
            do {
                try FileSystem.makeDirectory(config.inbox)
                try arm(config)
                _ = try self.settler?.scan()
            } catch {
                logger.critical("cannot watch the inbox \(config.inbox) again: \(error)",
                                metadata: ["event": "error", "reason": "\(error)"])
            }
        case .rescan:
            logger.warning("inotify lost events (queue overflow); rescanning the inbox",
                           metadata: ["event": "rescan"])
            do { _ = try settler.scan() } catch {
                logger.error("cannot list the inbox \(settler.inbox): \(error)", metadata: ["event": "error"])
            }
        }
    }

    private func enqueue(_ name: String) {
        queue.enqueue(name) {
            logger.info("queued \(name)", metadata: ["event": "queued", "file": "\(name)"])
        }
        metrics.waiting(queue.waitingCount)
    }

    /// Refuses an entry whose name is not UTF-8 (on the control queue: a rename and a small file).
    private func refuseUndecodable(_ entry: FileName) {
        let (config, logger, ledger) = current
        let processor = JobProcessor(config: config, ledger: ledger, logger: logger, notifier: notifier,
                                     cancellation: cancellation, metrics: metrics)
        if processor.refuseUndecodable(entry) == .failed { stateLock.withLock { counts.failed += 1 } }
    }

    private func spawnWorkers() {
        let wanted = queue.concurrency
        for index in 0..<wanted where stateLock.withLock({ workers.insert(index).inserted }) {
            workersDone.enter()
            let thread = Thread { [self] in
                work(index)
                stateLock.withLock { _ = workers.remove(index) }
                workersDone.leave()
            }
            thread.name = "zsn2nd-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func work(_ index: Int) {
        while let name = queue.next(worker: index) {
            let (config, logger, ledger) = current
            metrics.waiting(queue.waitingCount)
            let processor = JobProcessor(config: config, ledger: ledger, logger: logger, notifier: notifier,
                                         cancellation: cancellation, metrics: metrics)
            let result = processor.process(name)
            if result != .done && result != .failed { metrics.ended(name) }
            queue.finished(name)
            metrics.waiting(queue.waitingCount)
            stateLock.withLock {
                if result == .done { counts.done += 1 }
                if result == .failed { counts.failed += 1 }
            }
            if result == .changed { control.async { [self] in settler?.consider(name) } }
            if result == .deferred {
                control.asyncAfter(deadline: .now() + config.retrySeconds) { [self] in
                    if !isStopping { settler?.consider(name) }
                }
            }
            if !isStopping && queue.isIdle { notifier.status(idleStatus()) }
        }
    }

    private func idleStatus() -> String {
        let (config, _, _) = current
        let counts = stateLock.withLock { self.counts }
        return "Idle, watching \(config.inbox) for \(config.method) (\(counts.done) done, \(counts.failed) failed)"
    }

    /// SIGHUP: read (and so validate) the configuration again; a bad one is logged and the old one
    /// kept. Jobs already running finish with the settings they started with.
    private func reload() {
        guard !isStopping else { return }
        notifier.reloading()
        let old = current.config
        do {
            let new = try loadConfig()
            if new.outbox != old.outbox || new.inbox != old.inbox || new.done != old.done || new.failed != old.failed
                || new.metricsDir != old.metricsDir {
                try prepare(new, atStart: false, newLedger: new.outbox != old.outbox)
            }
            if new.metricsDir != old.metricsDir { metrics.move(to: new.metricsDir) }
            var logger = current.logger
            logger.logLevel = new.logLevel
            stateLock.withLock {
                self.config = new
                self.logger = logger
            }
            if new.inbox != old.inbox || new.settleSeconds != old.settleSeconds
                || new.emptyTimeoutSeconds != old.emptyTimeoutSeconds {
                try arm(new)
                _ = try settler?.scan()
            }
            queue.concurrency = new.concurrency
            spawnWorkers()
            if Retention(config: new).interval != Retention(config: old).interval { scheduleRetention() }
            logger.notice("configuration reloaded (inbox \(new.inbox), method \(new.method), preset \(new.preset))",
                          metadata: new.denoiserFields.merging(["event": "reloaded", "inbox": "\(new.inbox)"]) { $1 })
        } catch {
            current.logger.error("reload refused, keeping the running configuration: \(error)",
                                 metadata: ["event": "reload_failed", "reason": "\(error)"])
        }
        notifier.ready(status: idleStatus())
    }

    /// SIGTERM/SIGINT: stop taking files, cancel running jobs at their next iteration (their inputs
    /// stay in the inbox), remove temporaries, exit 0.
    private func stop() {
        guard stateLock.withLock({ () -> Bool in
            defer { stopping = true }
            return !stopping
        }) else { return }
        cancellation.request()
        notifier.stopping()
        logger.info("stopping", metadata: ["event": "stopping"])
        watcher?.stop()
        queue.close()
        workersDone.notify(queue: control) { [self] in
            _ = Outbox(config: current.config).removeStaleTemporaries()
            notifier.stopWatchdog()
            current.logger.info("stopped", metadata: ["event": "stopped"])
            exit(0)
        }
    }
}

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
