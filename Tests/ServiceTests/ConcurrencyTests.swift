import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonIntegrationTests {
    /// With `concurrency: 2` two images train at the same time, one or two engine threads each, and
    /// each output is byte for byte the one the daemon makes of that image alone: no setting of one
    /// job reaches the other (the thread count travels with the job, not through the process), and
    /// each job's threads are its own (a pool per job: with two threads each, none of a job's loops
    /// finds its pool busy with the other's and falls back to Dispatch).
    @Test(.enabled(if: JournalSupport.available, JournalSupport.unavailableReason), arguments: [1, 2])
    func twoJobsAtOnceGiveWhatEachGivesAlone(threads: Int) throws {
        let images = ["left.png": TestImages.png(size: 64, seed: 61), "right.png": TestImages.png(size: 64, seed: 62)]
        func run(_ names: [String], concurrency: Int) throws -> (outputs: [String: Data], entries: [[String: String]],
                                                                 threads: [String: Int]) {
            let daemon = try DaemonHarness(settleSeconds: 0.1, iterations: 300, extra: ["--concurrency", "\(concurrency)"])
            daemon.arguments[daemon.arguments.firstIndex(of: "--threads")! + 1] = "\(threads)"
            // Both in the backlog, so that both are queued the moment the daemon is ready.
            for name in names { try images[name]!.write(to: daemon.inbox.appendingPathComponent(name)) }
            try daemon.start()
            #expect(daemon.waitReady(), "no READY=1; stderr: \(daemon.stderrText)")
            #expect(daemon.waitUntil(timeout: 120) { daemon.names(daemon.done).count == names.count },
                    "done/: \(daemon.names(daemon.done)); stderr: \(daemon.stderrText)")
            let entries = JournalSupport.waitForEntries(pid: daemon.pid) {
                $0.filter { $0["ZSN2N_EVENT"] == "done" }.count >= names.count
            }
            var outputs: [String: Data] = [:], threads: [String: Int] = [:]
            for name in names {
                outputs[name] = try Data(contentsOf: daemon.outbox.appendingPathComponent(name))
                threads[name] = (daemon.sidecar(name)?["denoiser"] as? [String: Any])?["threads"] as? Int
            }
            #expect(daemon.stop().status == 0)
            return (outputs, entries, threads)
        }

        let together = try run(["left.png", "right.png"], concurrency: 2)
        // Both started before either finished: the two trainings overlapped.
        let events = together.entries.compactMap { $0["ZSN2N_EVENT"] }.filter { $0 == "started" || $0 == "done" }
        #expect(Array(events.prefix(2)) == ["started", "started"], "journal order: \(events)")
        #expect(together.threads == ["left.png": threads, "right.png": threads])
        // Each job on threads of its own: none of its loops found them busy with the other's.
        let done = together.entries.filter { $0["ZSN2N_EVENT"] == "done" }
        #expect(done.count == 2 && done.allSatisfy { $0["ZSN2N_LOOPS_ON_DISPATCH"] == "0" }, "\(done)")

        for name in ["left.png", "right.png"] {
            let alone = try run([name], concurrency: 1)
            #expect(alone.outputs[name] == together.outputs[name], "\(name) differs when trained beside another")
        }
    }
}
