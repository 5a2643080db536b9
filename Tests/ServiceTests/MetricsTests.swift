import Foundation
import Testing
@testable import Service

extension DaemonIntegrationTests {
    /// With `metrics_dir`, the daemon keeps zsn2nd.prom up to date: written at start, after a good and
    /// a bad image it counts one done and one failed (by stage), nothing waiting or running, the
    /// last success and the pixels processed; `promtool check metrics` passes where it is installed.
    @Test func metricsFileFollowsTheJobs() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        let folder = daemon.root.appendingPathComponent("metrics")
        daemon.arguments += ["--metrics-dir", folder.path]
        let file = folder.appendingPathComponent("zsn2nd.prom")
        let before = Date().timeIntervalSince1970
        try daemon.start()
        #expect(daemon.waitReady())
        let atStart = try String(contentsOf: file, encoding: .utf8)
        #expect(Self.sample("zsn2n_jobs_done_total", in: atStart) == 0)
        #expect(Self.sample("zsn2n_start_time_seconds", in: atStart).map { $0 >= before.rounded(.down) } == true)

        try daemon.drop(TestImages.png(size: 40, seed: 45), as: "good.png")
        try daemon.drop(Data("not an image".utf8), as: "bad.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["good.png"] && daemon.names(daemon.failed).count == 2 })
        // The figures follow the folders: the job's end is counted just after its files moved.
        #expect(daemon.waitUntil(timeout: 5) {
            (try? String(contentsOf: file, encoding: .utf8)).map {
                Self.sample("zsn2n_jobs_done_total", in: $0) == 1 && Self.sample("zsn2n_jobs_running", in: $0) == 0
                    && Self.sample("zsn2n_jobs_failed_total{stage=\"decode\"}", in: $0) == 1
            } ?? false
        })
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(Self.sample("zsn2n_jobs_done_total", in: text) == 1)
        #expect(Self.sample("zsn2n_jobs_failed_total{stage=\"decode\"}", in: text) == 1, "\(text)")
        #expect(Self.sample("zsn2n_images_waiting", in: text) == 0)
        #expect(Self.sample("zsn2n_jobs_running", in: text) == 0)
        #expect(Self.sample("zsn2n_pixels_processed_total", in: text) == Double(40 * 40))
        #expect(Self.sample("zsn2n_last_success_timestamp_seconds", in: text).map { $0 >= before.rounded(.down) } == true)
        #expect(Self.sample("zsn2n_last_job_duration_seconds", in: text).map { $0 >= 0 } == true)
        #expect(text.contains("zsn2n_build_info{version=\""))
        // No temporary file is left beside it: each rewrite is one atomic rename.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["zsn2nd.prom"])
        #expect(daemon.stop().status == 0)

        if let promtool = Self.promtool {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: promtool)
            check.arguments = ["check", "metrics"]
            let input = Pipe(), output = Pipe()
            check.standardInput = input
            check.standardOutput = output
            check.standardError = output
            try check.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            check.waitUntilExit()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(check.terminationStatus == 0 && said.isEmpty, "promtool check metrics: \(said)")
        } else {
            print("metricsFileFollowsTheJobs: no promtool (Debian's prometheus package); the format is not checked by it here")
        }
    }

    /// The value of the sample whose name and labels are `series`, or nil.
    static func sample(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    static var promtool: String? {
        ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

@Suite struct MetricsTextTests {
    @Test("the text format: one HELP and TYPE per family, label values escaped, progress by file")
    func rendering() {
        let metrics = DaemonMetrics(directory: nil) { _ in }
        metrics.started("a \"quoted\"\\name.png")
        metrics.progress("a \"quoted\"\\name.png", 0.25)
        metrics.failed("b.png", stage: "decode", seconds: 1.5)
        metrics.waiting(3)
        let text = metrics.text
        #expect(text.contains("zsn2n_job_progress_ratio{file=\"a \\\"quoted\\\"\\\\name.png\"} 0.250000"), "\(text)")
        #expect(text.contains("zsn2n_jobs_failed_total{stage=\"decode\"} 1\n"))
        #expect(text.contains("zsn2n_images_waiting 3\n") && text.contains("zsn2n_jobs_running 1\n"))
        #expect(text.contains("zsn2n_last_job_duration_seconds 1.500000\n"))
        #expect(!text.contains("\nzsn2n_last_success_timestamp_seconds "))
        for family in ["zsn2n_jobs_done_total", "zsn2n_images_waiting", "zsn2n_job_progress_ratio"] {
            #expect(text.components(separatedBy: "# TYPE \(family) ").count == 2, "\(family)")
        }
    }
}
