import CSystemd
import Foundation
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Structured entries to journald through libsystemd's sd_journal_sendv (sd_journal_send is
/// variadic and cannot be called from Swift); plain lines on stderr when there is no journal.
public final class Journal: @unchecked Sendable {
    public static let socketPath = "/run/systemd/journal/socket"
    public static let identifier = "zsn2nd"

    /// MESSAGE_IDs (generated once with `systemd-id128 new`) so that operators can select these
    /// events across versions: `journalctl MESSAGE_ID=...`.
    public static let doneMessageID = "641bb66d0e6e4a0698f0ca91f04d3d56"
    public static let failedMessageID = "0540398a6e644a11860e76fa52296cc9"

    public let toJournal: Bool
    private let lock = NSLock()

    public init(forceStderr: Bool = false) {
        toJournal = !forceStderr && access(Journal.socketPath, F_OK) == 0
    }

    /// Sends one entry. `fields` are complete journal field names (MESSAGE, PRIORITY, ZSN2N_FILE ...).
    public func send(_ fields: [(String, String)]) {
        var all = fields
        all.append(("SYSLOG_IDENTIFIER", Journal.identifier))
        if toJournal, sendToJournal(all) { return }
        writeLine(all)
    }

    private func sendToJournal(_ fields: [(String, String)]) -> Bool {
        // Each iovec is "KEY=value"; the buffers must live until the call returns.
        let buffers = fields.map { Array("\($0.0)=\($0.1)".utf8) }
        var pointers: [UnsafeMutableRawPointer] = []
        defer { pointers.forEach { $0.deallocate() } }
        var vectors: [iovec] = []
        for buffer in buffers {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(buffer.count, 1), alignment: 1)
            buffer.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: buffer.count) }
            pointers.append(pointer)
            vectors.append(iovec(iov_base: pointer, iov_len: buffer.count))
        }
        return sd_journal_sendv(vectors, Int32(vectors.count)) >= 0
    }

    /// `zsn2nd[pid] <level>: message KEY=value ...` — what the journal would hold, on one line.
    private func writeLine(_ fields: [(String, String)]) {
        let message = fields.first { $0.0 == "MESSAGE" }?.1 ?? ""
        let priority = Int(fields.first { $0.0 == "PRIORITY" }?.1 ?? "6") ?? 6
        let names = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
        let extras = fields.filter { $0.0.hasPrefix("ZSN2N_") && $0.0 != "ZSN2N_EVENT" }
            .map { "\($0.0.dropFirst(6).lowercased())=\($0.1)" }
        var line = "zsn2nd[\(getpid())] \(names[min(max(priority, 0), 7)]): \(message)"
        if !extras.isEmpty { line += " (" + extras.joined(separator: " ") + ")" }
        line += "\n"
        lock.withLock { FileHandle.standardError.write(line.data(using: .utf8)!) }
    }
}

extension Sidecar {
    /// The sidecar's headline figures as fields of the journal's "done" entry (without the ZSN2N_
    /// prefix): width, height, iterations, seed, the metrics before and after, and the reference's.
    var journalFields: [String: String] {
        func text(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        var fields: [String: String] = [
            "width": "\(input.width)", "height": "\(input.height)", "iterations": "\(denoiser.iterations)",
            "seed": "\(denoiser.seed)",
            "noise_sigma_input": text(metrics.input.noiseSigma.value),
            "noise_sigma_output": text(metrics.output.noiseSigma.value),
            "sobel_input": text(metrics.input.sobel.value), "sobel_output": text(metrics.output.sobel.value),
            "brenner_input": text(metrics.input.brenner.value), "brenner_output": text(metrics.output.brenner.value),
            "train_seconds": text(timing.trainS), "loss_last": text(loss.last),
        ]
        if let r = metrics.reference {
            fields["psnr_input"] = text(r.psnrInput.value)
            fields["psnr_output"] = text(r.psnrOutput.value)
            fields["ssim_input"] = text(r.ssimInput.value)
            fields["ssim_output"] = text(r.ssimOutput.value)
        }
        return fields
    }
}
