import Foundation
import Synchronization
import Testing
import Engine
import Imaging
import Platform
@testable import Denoiser

/// The memory plans against the heap: each method's training and inference, on gray and RGB, in a
/// process of its own (an exit test), so that no other test's allocations are counted. The peak is
/// read by a thread that polls the heap's bytes in use while the work runs.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ZSN2N_SANITIZER"] == nil,
                "a sanitizer's allocator replaces malloc, whose counters the measurement reads"))
struct MemoryPlanTests {
    @Test("each method's training and inference allocate what their plans say, within 3% (256 KiB at least)",
          arguments: [PixelBankMethod.name, ZSN2NMethod.name], [1, 3])
    func planMatchesTheHeap(method: String, channels: Int) async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) { [method, channels] in
            let figures = try MemoryPlanTests.measure(method: method, channels: channels)
            print("figures " + figures.map(String.init).joined(separator: " "))
        }
        let text = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("figures ") }, "child printed: \(text)")
        let numbers = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        try #require(numbers.count == 4)
        let (trainingPlan, trainingPeak, inferencePlan, inferencePeak) = (numbers[0], numbers[1], numbers[2], numbers[3])
        #expect(abs(Double(trainingPeak - trainingPlan)) < MemoryPlanTests.tolerance(trainingPlan),
                "\(method), \(channels) channel(s): training planned \(trainingPlan) bytes, the heap's peak was \(trainingPeak)")
        #expect(abs(Double(inferencePeak - inferencePlan)) < MemoryPlanTests.tolerance(inferencePlan),
                "\(method), \(channels) channel(s): inference planned \(inferencePlan) bytes, the heap's peak was \(inferencePeak)")
    }

    @Test("the pixel bank's inference passes, each against its own plan, within 3% (256 KiB at least)", arguments: [1, 3])
    func inferencePassesMatchTheHeap(channels: Int) async throws {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) { [channels] in
            let (height, width) = (300, 270), threads = 2, parallel = Parallel(threads: threads)
            var random = Random(seed: 6)
            var pixels = (0..<(channels * height * width)).map { _ in random.uniformFloat() }
            let network = Network(channels: channels, seed: 1, parallel: parallel)
            let settings = PixelBankSettings(reach: 1, pixels: height * width)
            let acceptance = PixelBank.Acceptance(fitting: [PixelBank(pixels: pixels, channels: channels, imageHeight: height,
                                                                      imageWidth: width, stride: 1, parallel: parallel)],
                                                  tau: settings.tau, percentile: settings.percentile)
            let sampler = PeakSampler()
            let first = sampler.measure {
                PixelBankInference.firstPass(pixels, channels: channels, height: height, width: width, network: network,
                                             settings: settings, acceptance: acceptance, seed: 1, parallel: parallel)
            }
            let aggregation = sampler.measure {
                PixelBankInference.aggregate(first.value, into: &pixels, channels: channels, height: height, width: width,
                                             stride: PixelBankInference.aggregationStride(settings), tau: acceptance.tau,
                                             percentile: settings.percentile, parallel: parallel)
            }
            let firstPlan = PixelBankInference.firstPassMemory(channels: channels, height: height, width: width,
                                                               settings: settings, threads: threads)
            let aggregationPlan = PixelBankInference.aggregationMemory(channels: channels, height: height, width: width,
                                                                       settings: settings, threads: threads)
            // The first pass's peak is less its output, which it returns.
            print("figures \(firstPlan.totalBytes) \(first.peak - channels * height * width * 4) \(aggregationPlan.totalBytes) \(aggregation.peak)")
        }
        let text = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("figures ") }, "child printed: \(text)")
        let numbers = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        try #require(numbers.count == 4)
        #expect(abs(Double(numbers[1] - numbers[0])) < MemoryPlanTests.tolerance(numbers[0]),
                "\(channels) channel(s): first pass planned \(numbers[0]) bytes, the heap's peak was \(numbers[1])")
        #expect(abs(Double(numbers[3] - numbers[2])) < MemoryPlanTests.tolerance(numbers[2]),
                "\(channels) channel(s): aggregation planned \(numbers[2]) bytes, the heap's peak was \(numbers[3])")
    }

    /// How far the heap's peak may stray from a plan: 3% (the small arrays around the buffers), and
    /// at least 256 KiB, what the Swift runtime and the threads' caches take on the side (the
    /// aggregation's plan of 5.5 MB was once exceeded by 170 KB in a full run on a loaded machine,
    /// and met within 0.1% alone).
    static func tolerance(_ plan: Int) -> Double { max(0.03 * Double(plan), Double(256 << 10)) }

    /// Plan and measured peak of training (preparing, then two iterations) and of inference, in
    /// bytes. The image is not square and spans two of the pixel bank's inference tiles each way,
    /// and training runs a batch of two crops on two lanes.
    static func measure(method: String, channels: Int) throws -> [Int] {
        let (height, width) = (300, 270)
        var random = Random(seed: 5)
        var image = Image(width: width, height: height, channels: channels,
                          pixels: (0..<(channels * height * width)).map { _ in random.uniformFloat() })
        let chosen = try DenoisingMethods.named(method)!.init(MethodSettings())
        let plan = TrainingPlan(iterations: 2, stepSize: 1, crop: 40, batch: 2)
        let sampler = PeakSampler()
        let run = try sampler.measure { try chosen.prepare(image, plan: plan, seed: 1, parallel: Parallel(threads: 2)) }
        image.pixels = []  // as the pipeline does: the trainer holds the image, and hands it back to be denoised in place
        let trainingPeak = sampler.measure { for _ in 0..<2 { run.value.trainer.step() } }.peak
        var pixels = run.value.trainer.takeImage()
        let inference = sampler.measure { run.value.denoise(&pixels) }
        return [run.value.trainer.memory.totalBytes, max(run.peak, trainingPeak + run.held),
                run.value.inferenceMemory.totalBytes, inference.peak]
    }
}

/// The heap's bytes in use, polled by a thread of its own while `body` runs: the most above what
/// was in use when it began (`peak`), and what is still held when it ends (`held`).
final class PeakSampler: @unchecked Sendable {
    private let peak = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)

    func measure<T>(_ body: () throws -> T) rethrows -> (value: T, peak: Int, held: Int) {
        let start = HeapUsage.bytesInUse
        peak.store(start, ordering: .relaxed)
        running.store(true, ordering: .relaxed)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let now = HeapUsage.bytesInUse
                if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
                usleep(20)
            }
            done.signal()
        }
        thread.start()
        let value = try body()
        running.store(false, ordering: .relaxed)
        done.wait()
        let end = HeapUsage.bytesInUse
        return (value, max(peak.load(ordering: .relaxed), end) - start, end - start)
    }
}
