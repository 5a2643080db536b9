import Foundation
import FuzzReplay
import Service

/// libFuzzer target: the daemon's configuration loader on arbitrary file contents (YAML parsing
/// by Yams, the key table, the types, the per-key checks, the declared samplers and the one
/// validated job settings). Every input must end in a config or a DaemonConfigError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = "/dev/shm/zsn2n-fuzz-config-\(getpid()).yaml"
    let bytes = size > 0 ? Data(bytes: data!, count: size) : Data()
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    defer { unlink(path) }
    do {
        let config = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path, workingDirectory: "/srv")
        precondition(config.inbox.hasPrefix("/") && config.concurrency >= 1 && config.job.threads >= 1)
    } catch is DaemonConfigError {
    } catch {
        preconditionFailure("the loader threw something that is not a DaemonConfigError: \(error)")
    }
    return 0
}

@main struct FuzzConfigMain {
    static func main() { FuzzMain.run(fuzzConfig) }
}
