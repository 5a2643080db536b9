import Imaging

/// Which names in the inbox are images to take, and which must wait.
public enum InboxRules {
    /// Names that uploaders and browsers use while a file is still being written; such a file is
    /// taken only once it is renamed to its final name (inotify reports that as IN_MOVED_TO).
    static let temporarySuffixes = [".part", ".tmp", ".crdownload", "~"]

    /// True for `photo.PNG`, `scan.jpeg`, `stack.tif`; false for `.photo.png`, `photo.png.part`, `notes.txt`.
    public static func isCandidate(_ name: String) -> Bool {
        guard !name.hasPrefix("."), !name.isEmpty, !name.contains("/") else { return false }
        let lower = name.lowercased()
        if temporarySuffixes.contains(where: { lower.hasSuffix($0) }) { return false }
        guard let dot = lower.lastIndex(of: "."), dot != lower.startIndex else { return false }
        return ImageSourceInfo.Format(fileExtension: String(lower[lower.index(after: dot)...])) != nil
    }
}
