import ArgumentParser

/// This process's share of a batch: file i (in the sorted list of every input) belongs to shard
/// i mod count. Taken from `--shard K/N`, else from a Slurm job array (SLURM_ARRAY_TASK_ID minus
/// SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job
/// (JOB_COMPLETION_INDEX, of ZSN2N_SHARD_COUNT), so that many processes split one folder with
/// no coordinator.
struct Shard: Equatable, CustomStringConvertible {
    /// 0-based.
    var index: Int
    var count: Int

    var description: String { "\(index)/\(count)" }

    func contains(_ position: Int) -> Bool { position % count == index }

    /// `K/N` with 0 <= K < N.
    init(parsing text: String, source: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(k) else {
            throw ValidationError("\(source): expected K/N with 0 <= K < N (K counts from 0), got '\(text)'")
        }
        index = k
        count = n
    }

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The shard the environment gives, if any; nil when it names none.
    static func fromEnvironment(_ env: [String: String]) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"], let count = env["SLURM_ARRAY_TASK_COUNT"] {
            let minimum = env["SLURM_ARRAY_TASK_MIN"] ?? "0"
            guard let i = Int(id), let n = Int(count), let m = Int(minimum) else {
                throw ValidationError("SLURM_ARRAY_TASK_ID/_COUNT/_MIN must be integers (got \(id), \(count), \(minimum))")
            }
            return try Shard(parsing: "\(i - m)/\(n)", source: "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT")
        }
        if let index = env["JOB_COMPLETION_INDEX"] {
            guard let count = env["ZSN2N_SHARD_COUNT"] else {
                throw ValidationError("JOB_COMPLETION_INDEX is set but ZSN2N_SHARD_COUNT is not: set it to the Job's completions")
            }
            return try Shard(parsing: "\(index)/\(count)", source: "JOB_COMPLETION_INDEX of ZSN2N_SHARD_COUNT")
        }
        return nil
    }
}
