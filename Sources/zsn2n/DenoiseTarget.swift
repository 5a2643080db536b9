import ArgumentParser
import Foundation
import Imaging
import Platform

/// One file of a `zsn2n denoise` run: where it is read, and where its output (and sidecar) go.
struct DenoiseTarget: Equatable {
    var input: String
    var output: String
    var sidecar: String?
    var format: ImageSourceInfo.Format

    /// The image files the arguments name, in order: each file as given, each folder's image files
    /// (by extension, not hidden, not recursing), sorted by path. Missing paths are kept: they
    /// fail on their own, with their reason, without stopping the others. Names in a folder that
    /// are not UTF-8 cannot be opened by name here; they come back apart, escaped (%XX).
    static func expand(_ arguments: [String]) throws -> (files: [String], undecodable: [String]) {
        var files: [String] = [], undecodable: [String] = []
        for argument in arguments {
            guard let id = (try? FileSystem.identity(of: argument, followingSymlink: true)) ?? nil, id.isDirectory else {
                files.append(argument)
                continue
            }
            let listing: FolderListing
            do { listing = try FileSystem.listing(of: argument, extensions: ImageSourceInfo.Format.fileExtensions) } catch {
                throw ValidationError("\(argument): cannot list the folder: \(error)")
            }
            files += listing.names.map { FileSystem.join(argument, $0) }
            undecodable += listing.undecodable.map { FileSystem.join(argument, $0) }
        }
        var seen = Set<String>()
        return (files.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }, undecodable.sorted())
    }

    /// Where each input's output goes:
    /// - `output` (one input only): there;
    /// - `outputDirectory`: DIR/NAME and its sidecar DIR/NAME.json, as the daemon names them; two
    ///   inputs of one name get NAME, NAME-1, ... in the order given;
    /// - neither: beside the input, NAME.denoised.EXT.
    /// The output's format follows its extension; an extension that names no format is refused.
    static func plan(_ inputs: [String], output: String?, outputDirectory: String?, sidecar: String?) throws -> [DenoiseTarget] {
        var taken = Set<String>()
        return try inputs.map { input in
            let path: String
            var sidecarPath = sidecar
            if let output {
                path = output
            } else if let outputDirectory {
                let name = FileName.fitting((input as NSString).lastPathComponent, suffix: "-9999.json")
                var n = 0
                var candidate = name
                while taken.contains(candidate) {
                    n += 1
                    candidate = FileName.numbered(name, n)
                }
                taken.insert(candidate)
                path = FileSystem.join(outputDirectory, candidate)
                sidecarPath = path + ".json"
            } else {
                path = defaultOutput(for: input)
            }
            let ext = (path as NSString).pathExtension
            guard let format = ImageSourceInfo.Format(fileExtension: ext) else {
                throw ValidationError("\(path): cannot write '.\(ext)' files; the output must end in \(ImageSourceInfo.Format.fileExtensions.map { "." + $0 }.joined(separator: ", "))")
            }
            return DenoiseTarget(input: input, output: path, sidecar: sidecarPath, format: format)
        }
    }

    /// IN with `.denoised` before its extension (`.png` when it has none that names a format).
    static func defaultOutput(for input: String) -> String {
        let ns = input as NSString
        let ext = ns.pathExtension
        let folder = ns.deletingLastPathComponent, stem = (ns.lastPathComponent as NSString).deletingPathExtension
        let name = ImageSourceInfo.Format(fileExtension: ext) != nil ? stem + ".denoised." + ext : ns.lastPathComponent + ".denoised.png"
        return folder.isEmpty ? FileName.fitting(name) : FileSystem.join(folder, FileName.fitting(name))
    }
}

/// What the CLI checks before it trains, so that a run never overwrites an input (whatever name,
/// symlink or hard link leads to it: device and inode are compared), never replaces an existing
/// file unless told, and finds an unusable output folder before the work, not after it.
struct OutputGuard {
    enum Existing { case refuse, replace, skip }

    /// The inputs of the whole run, with their identities (following symlinks).
    let inputs: [(path: String, identity: FileIdentity)]
    let existing: Existing

    init(inputs: [String], existing: Existing) {
        self.inputs = inputs.compactMap { path in
            ((try? FileSystem.identity(of: path, followingSymlink: true)) ?? nil).map { (path, $0) }
        }
        self.existing = existing
    }

    enum Decision { case write, skip }

    /// Whether `path` may be written; throws the reason it may not.
    func check(_ path: String) throws -> Decision {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        guard FileSystem.isWritableDirectory(directory) else {
            let exists = (try? FileSystem.identity(of: directory, followingSymlink: true)) ?? nil
            throw ExitFailure("\(path): the output folder \(directory) \(exists == nil ? "does not exist" : exists!.isDirectory ? "is not writable" : "is not a folder")")
        }
        guard let target = (try? FileSystem.identity(of: path, followingSymlink: true)) ?? nil else {
            // A dangling symlink would be replaced by the rename, not followed; nothing to protect.
            return .write
        }
        if let input = inputs.first(where: { $0.identity.sameFile(as: target) }) {
            throw ExitFailure("\(path): would overwrite the input \(input.path) (the same file by device and inode); choose another output")
        }
        switch existing {
        case .replace: return .write
        case .skip: return .skip
        case .refuse: throw ExitFailure("\(path): exists; --force replaces it, --skip-existing leaves it")
        }
    }
}

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
