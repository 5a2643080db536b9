import Foundation

/// A line on stderr, clearing a progress bar drawn on the same terminal line first.
func note(_ line: String) {
    let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""
    FileHandle.standardError.write(Data((clear + line + "\n").utf8))
}
