import Foundation
import Testing
import Denoiser
@testable import Study

/// An interrupted study resumes where it stopped and ends exactly where an uninterrupted one does.
/// Each test gets a study folder of its own (a class, so that the folder goes when the test ends).
final class ResumeTests {
    let folder: StudyFolder

    init() throws {
        folder = try StudyFixtures.temporaryFolder()
    }

    deinit {
        StudyFixtures.remove(folder)
    }

    @Test("stopped after k runs, a second call does only the rest, and the results equal an uninterrupted study's bit for bit")
    func stopAndResume() throws {
        let settings = try StudyFixtures.settings()
        let first = try StudyRunner(settings: settings, folder: folder).run(stopAfter: 5)
        #expect(first.stoppedEarly && first.executed == Array(settings.runs.prefix(5)))
        #expect(!first.results.complete && first.results.runsDone == 5)
        #expect(first.table.hasPrefix("Partial: 5 of 36 runs done"))
        #expect(try logLines(folder) == 5)

        var started: [RunKey] = [], announced: [RunKey] = []
        let second = try StudyRunner(settings: settings, folder: folder).run(begin: { _, pending in announced = pending },
                                                                            started: { started.append($0) })
        #expect(second.skipped == Array(settings.runs.prefix(5)))
        #expect(announced == Array(settings.runs.dropFirst(5)))
        #expect(second.executed == Array(settings.runs.dropFirst(5)) && started == second.executed)
        #expect(try logLines(folder) == 36, "each run logged once")

        try expectSameAsUninterrupted(folder, second)
    }

    @Test("interrupted in the middle of a run: that run is dropped and done again")
    func interruptMidRun() throws {
        let settings = try StudyFixtures.settings()
        var iterationsSeen = 0
        // Stop at iteration 7 of the fourth run.
        let first = try StudyRunner(settings: settings, folder: folder).run(progress: { _ in
            iterationsSeen += 1
            return iterationsSeen < 3 * 20 + 7
        })
        #expect(first.stoppedEarly && first.executed.count == 3)
        #expect(try logLines(folder) == 3)
        #expect(!FileManager.default.fileExists(atPath: folder.file(settings.runs[3].montageFile)), "nothing of the dropped run is kept")

        let second = try StudyRunner(settings: settings, folder: folder).run()
        #expect(second.executed.first == settings.runs[3] && second.skipped.count == 3)
        try expectSameAsUninterrupted(folder, second)
    }

    @Test("a log line cut short by a crash is dropped, and the run is done again")
    func tornLogLine() throws {
        let settings = try StudyFixtures.settings()
        _ = try StudyRunner(settings: settings, folder: folder).run(stopAfter: 2)
        let log = folder.file("runs.jsonl")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"brenner":0.01,"cur"#.utf8))
        try handle.close()

        let second = try StudyRunner(settings: settings, folder: folder).run()
        #expect(second.skipped.count == 2 && second.executed.count == 34)
        #expect(try logLines(folder) == 36)
        try expectSameAsUninterrupted(folder, second)
    }

    @Test("a logged run whose montage was deleted is done again, with the same result")
    func missingFile() throws {
        let settings = try StudyFixtures.settings(samplers: [.original, .stripe])
        let first = try StudyRunner(settings: settings, folder: folder).run()
        try FileManager.default.removeItem(atPath: folder.file(settings.runs[1].montageFile))
        let second = try StudyRunner(settings: settings, folder: folder).run()
        #expect(second.executed == [settings.runs[1]])
        #expect(StudyFixtures.withoutTimes(second.results) == StudyFixtures.withoutTimes(first.results))
    }

    func logLines(_ folder: StudyFolder) throws -> Int {
        String(decoding: try StudyFixtures.read(folder, "runs.jsonl"), as: UTF8.self).split(separator: "\n").count
    }

    /// Same records (times aside), same table, same curve and montage bytes.
    func expectSameAsUninterrupted(_ folder: StudyFolder, _ report: StudyReport) throws {
        let reference = StudyFixtures.uninterrupted
        let mine = StudyFixtures.withoutTimes(report.results), theirs = StudyFixtures.withoutTimes(reference.report.results)
        // Compared piece by piece, so that a failure names the run rather than printing everything.
        #expect(mine.runs.map(\.key) == theirs.runs.map(\.key))
        for (a, b) in zip(mine.runs, theirs.runs) { #expect(a == b, "\(a.key)") }
        #expect(mine.table == theirs.table)
        #expect(mine.settings == theirs.settings && mine.runsDone == theirs.runsDone)
        #expect(report.table == reference.report.table)
        #expect(report.results.complete && !report.stoppedEarly)
        for record in reference.report.results.runs {
            #expect(try StudyFixtures.read(folder, record.montageFile) == StudyFixtures.read(reference.folder, record.montageFile))
            #expect(try StudyFixtures.read(folder, record.curveFile) == StudyFixtures.read(reference.folder, record.curveFile))
        }
    }
}

/// What one output folder may and may not be reused for.
struct FolderTests {
    @Test("adding a sampler, a seed or an image to a finished study reuses its runs")
    func extend() throws {
        let folder = try StudyFixtures.temporaryFolder()
        defer { StudyFixtures.remove(folder) }
        let small = try StudyFixtures.settings(samplers: [.original, .stripe])
        _ = try StudyRunner(settings: small, folder: folder).run()
        let larger = try StudyFixtures.settings(samplers: [.original, .stripe, .randomPair])
        let report = try StudyRunner(settings: larger, folder: folder).run()
        #expect(Set(report.skipped) == Set(small.runs))
        #expect(report.executed.allSatisfy { $0.sampler == "randomPair" } && report.executed.count == 4)
        #expect(report.results.runsDone == larger.runs.count && report.results.complete)

        // Asking for fewer again reports just those, and runs nothing.
        let again = try StudyRunner(settings: small, folder: folder).run()
        #expect(again.executed.isEmpty && again.results.runs.map(\.key) == small.runs)
    }

    @Test("another training plan in the same folder is refused, naming both")
    func otherPlan() throws {
        let folder = try StudyFixtures.temporaryFolder()
        defer { StudyFixtures.remove(folder) }
        _ = try StudyRunner(settings: try StudyFixtures.settings(samplers: [.original]), folder: folder).run(stopAfter: 1)
        let error = #expect(throws: StudyError.self) {
            try StudyRunner(settings: try StudyFixtures.settings(iterations: 10, samplers: [.original]), folder: folder).run()
        }
        #expect(error?.description.contains("another training plan") == true)
        #expect(error?.description.contains("20 iterations") == true && error?.description.contains("10 iterations") == true)
    }

    @Test("another image under the same name is refused")
    func otherImage() throws {
        let folder = try StudyFixtures.temporaryFolder()
        defer { StudyFixtures.remove(folder) }
        _ = try StudyRunner(settings: try StudyFixtures.settings(samplers: [.original]), folder: folder).run(stopAfter: 1)
        var changed = StudyFixtures.image(name: "gray", channels: 1).image
        changed.pixels[0] += 0.01
        let settings = try StudyFixtures.settings(samplers: [.original], images: [StudyImage(name: "gray", file: "gray.png", image: changed)])
        let error = #expect(throws: StudyError.self) { try StudyRunner(settings: settings, folder: folder).run() }
        #expect(error?.description.contains("another image named gray") == true)
    }

    @Test("a folder in use by another study is refused; temporary files a kill left are removed")
    func inUse() throws {
        let folder = try StudyFixtures.temporaryFolder()
        defer { StudyFixtures.remove(folder) }
        let settings = try StudyFixtures.settings(samplers: [.original])
        let held = try folder.lock()
        let error = #expect(throws: StudyError.self) { try StudyRunner(settings: settings, folder: folder).run(stopAfter: 0) }
        #expect(error?.description.contains("in use by another zsn2n reproduce") == true)
        held.release()

        let leftover = folder.file("runs/gray/.original-seed0-montage.png.999.tmp")
        try FileManager.default.createDirectory(atPath: folder.file("runs/gray"), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data([1, 2, 3])))
        _ = try StudyRunner(settings: settings, folder: folder).run(stopAfter: 0)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    @Test("settings are checked before anything runs")
    func invalidSettings() throws {
        let tiny = StudyImage(name: "tiny", file: "tiny.png", image: .init(width: 2, height: 2, channels: 1))
        let error = #expect(throws: StudyError.self) {
            try StudySettings(images: [tiny], samplers: [.threeSizeSample])
        }
        #expect(error?.description.contains("too small for sampler threeSizeSample") == true)
        #expect(throws: StudyError.self) {
            try StudySettings(images: [StudyFixtures.image(name: "a", channels: 1), StudyFixtures.image(name: "a", channels: 3)])
        }
        #expect(throws: StudyError.self) {
            try StudySettings(images: [StudyFixtures.image(name: "a", channels: 1)], seedsBySampler: ["randomPair": [0]])
        }
    }

    @Test("the noise seed depends on noise, image and seed, not on the sampler")
    func noiseSeed() {
        let a = RunKey(image: "camera128", noise: "gauss:25", sampler: "original", seed: 0)
        var b = a
        b.sampler = "stripe"
        #expect(a.noiseSeed == b.noiseSeed)
        for change in [RunKey(image: "x", noise: a.noise, sampler: a.sampler, seed: 0),
                       RunKey(image: a.image, noise: "gauss:50", sampler: a.sampler, seed: 0),
                       RunKey(image: a.image, noise: a.noise, sampler: a.sampler, seed: 1)] {
            #expect(change.noiseSeed != a.noiseSeed)
        }
        #expect(a.curveFile == "runs/camera128/gauss-25/original-seed0-curve.svg")
    }
}
