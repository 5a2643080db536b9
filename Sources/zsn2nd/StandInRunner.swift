import Foundation
import Service

// TEMPORARY: stands in for the denoiser until DenoiseJob lands on main (then replaced by a runner
// that calls DenoiseJob.run). It checks the file's signature, "trains" for `iterations` steps of
// 5 ms each (so that stop and kill behave as with real training), and writes the input back as the
// output with a sidecar of the published shape.
typealias DaemonJobRunner = StandInRunner

struct StandInRunner: JobRunner {
    func validate(_ config: DaemonConfig) throws {}

    func run(_ request: JobRequest, progress: (JobProgressReport) -> Bool) throws -> JobOutcome {
        let data = try Data(contentsOf: URL(fileURLWithPath: request.input))
        let bytes = [UInt8](data.prefix(8))
        let isPNG = bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let isJPEG = bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
        guard isPNG || isJPEG else {
            throw JobFailure(stage: "decode", reason: "not a PNG or JPEG file (bad signature)")
        }
        let isWhole = isPNG ? data.suffix(8) == Data([0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
            : data.suffix(2) == Data([0xFF, 0xD9])
        guard isWhole else { throw JobFailure(stage: "decode", reason: "truncated file (no end marker)") }
        let total = request.config.iterations ?? 100
        for i in 0..<total {
            usleep(5000)
            guard progress(JobProgressReport(iteration: i + 1, total: total, loss: 0.01, fraction: Double(i + 1) / Double(total))) else {
                throw JobCancelled()
            }
        }
        let name = (request.input as NSString).lastPathComponent
        return JobOutcome(
            writeOutput: { path in try data.write(to: URL(fileURLWithPath: path)) },
            sidecar: { output in
                let doc: [String: Any] = [
                    "schema": "zsn2n.sidecar/1",
                    "input": ["file": name, "format": isPNG ? "png" : "jpeg", "width": 1, "height": 1, "channels": 3,
                              "bit_depth": 8, "sha256": try sha256Hex(ofFile: request.input)],
                    "output": ["file": output],
                    "denoiser": ["method": "zs-n2n", "sampler": request.config.sampler, "preset": request.config.preset,
                                 "iterations": total, "seed": Int(request.config.seed)],
                    "metrics": ["input": ["sobel": 0.0, "brenner": 0.0, "noise_sigma": 0.0],
                                "output": ["sobel": 0.0, "brenner": 0.0, "noise_sigma": 0.0],
                                "reference": NSNull()],
                    "timing": ["decode_s": 0.0, "train_s": 0.0, "denoise_s": 0.0, "total_s": 0.0],
                    "loss": ["first": 0.01, "last": 0.01],
                ]
                return try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
            },
            journalFields: [:])
    }
}
