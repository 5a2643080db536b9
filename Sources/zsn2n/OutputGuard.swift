import Foundation
import Platform

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
