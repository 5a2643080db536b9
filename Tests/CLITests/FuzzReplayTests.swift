import Foundation
import Testing

/// The fuzz targets in an ordinary build: their seed corpora (fuzz/corpus) and the hostile corpus
/// replay without a crash, so that the targets stay buildable and their checks stay true. The
/// fuzzing itself is scripts/fuzz.sh (libFuzzer, AddressSanitizer).
struct FuzzReplayTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["decode", "config"])
    func seedCorpusReplays(target: String) throws {
        let process = Process()
        process.executableURL = CLI.buildFolder.appendingPathComponent("fuzz-\(target)")
        process.arguments = [Self.repository.appendingPathComponent("fuzz/corpus/\(target)").path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "fuzz-\(target) crashed on its seed corpus")
        let count = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("fuzz/corpus/\(target)").path).count
        #expect(text.contains("replayed \(count) input(s)"), "\(text)")
    }
}
