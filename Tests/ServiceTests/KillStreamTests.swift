import Engine
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonIntegrationTests {
    /// Twenty kill -9 cycles at random instants while a stream of files arrives (a new one during
    /// every run, every fifth one damaged), so that kills fall in start-up, settling, training, the
    /// outbox commit and the refusal into failed/. After every kill no final name carries a partial
    /// file and no input is lost; after a last run every input ended exactly once, in done/ or in
    /// failed/, with its output and sidecar or its error file, no temporary is left, and the
    /// ledger's every line is whole and every committed entry names an output with its sidecar.
    @Test func killNineWhileAStreamArrivesEndsEveryInputOnce() throws {
        let cycles = 20
        var generator = Random(seed: 20261201)  // seeded: a failing schedule can be replayed
        let daemon = try DaemonHarness(settleSeconds: 0.05, iterations: 120)
        var good: [String: Data] = [:], bad: Set<String> = []
        func drop(_ index: Int) throws {
            let name = String(format: "stream-%02d.png", index)
            if index % 5 == 4 {
                bad.insert(name)
                try daemon.drop(Data("damaged \(index)".utf8) + TestImages.png(size: 40, seed: UInt64(index)).prefix(50), as: name)
            } else {
                let data = TestImages.png(size: 40, seed: UInt64(300 + index))
                good[name] = data
                try daemon.drop(data, as: name)
            }
        }
        try drop(0)
        for cycle in 1...cycles {
            try daemon.start()
            let instant = Double.random(in: 0.05...1.5, using: &generator)
            let arrival = Double.random(in: 0...instant, using: &generator)
            usleep(UInt32(arrival * 1_000_000))
            try drop(cycle)
            usleep(UInt32((instant - arrival) * 1_000_000))
            daemon.killNow()
            for name in daemon.names(daemon.outbox) where name.hasSuffix(".json") {
                #expect(daemon.sidecar(String(name.dropLast(5))) != nil, "cycle \(cycle): \(name) is not whole JSON")
            }
            for name in daemon.names(daemon.outbox) where !name.hasSuffix(".json") {
                let data = try Data(contentsOf: daemon.outbox.appendingPathComponent(name))
                #expect(data.suffix(8) == Data([0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]), "cycle \(cycle): \(name) is not a whole PNG")
            }
            for name in daemon.names(daemon.failed) where name.hasSuffix(".error.json") {
                let data = try Data(contentsOf: daemon.failed.appendingPathComponent(name))
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "cycle \(cycle): \(name) is not whole JSON")
            }
            let present = Set(daemon.names(daemon.inbox) + daemon.names(daemon.done) + daemon.names(daemon.failed))
            let dropped = Set(good.keys).union(bad)
            #expect(dropped.isSubset(of: present), "cycle \(cycle): lost \(dropped.subtracting(present))")
        }
        try daemon.start()
        let total = good.count + bad.count
        #expect(daemon.waitUntil(timeout: 120) {
            daemon.names(daemon.inbox).isEmpty && daemon.names(daemon.done).count == good.count
                && daemon.names(daemon.failed).filter { !$0.hasSuffix(".error.json") }.count == bad.count
        }, "inbox: \(daemon.names(daemon.inbox)) done: \(daemon.names(daemon.done)) failed: \(daemon.names(daemon.failed))")
        usleep(300_000)
        #expect(daemon.stop().status == 0)

        #expect(daemon.names(daemon.done) == good.keys.sorted())
        #expect(daemon.names(daemon.outbox) == good.keys.sorted().flatMap { [$0, $0 + ".json"] }.sorted(), "outbox: \(daemon.names(daemon.outbox))")
        #expect(daemon.names(daemon.failed) == bad.sorted().flatMap { [$0, $0 + ".error.json"] }.sorted(), "failed/: \(daemon.names(daemon.failed))")
        for folder in [daemon.outbox, daemon.done, daemon.failed] {
            #expect(!daemon.allNames(folder).contains { $0.hasPrefix(".zsn2nd-tmp-") }, "a temporary left in \(folder.lastPathComponent)")
        }
        for (name, data) in good {
            #expect(try Data(contentsOf: daemon.done.appendingPathComponent(name)) == data, "\(name) changed")
            #expect((daemon.sidecar(name)?["input"] as? [String: Any])?["sha256"] as? String == sha256(data))
        }
        let ledger = try String(contentsOf: daemon.outbox.appendingPathComponent(".zsn2nd-ledger.jsonl"), encoding: .utf8)
        for line in ledger.split(separator: "\n") {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a torn ledger line: \(line)")
            if entry["state"] as? String == "committed", let output = entry["output"] as? String {
                #expect(daemon.sidecar(output) != nil, "the ledger commits \(output), which has no sidecar")
            }
        }
        print("kill -9 stream test: \(cycles) cycles, \(total) files (\(bad.count) damaged)")
    }
}
