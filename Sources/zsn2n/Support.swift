import ArgumentParser
import Foundation

/// Ctrl-C while training: finish the current iteration, then stop cleanly, writing nothing.
enum Interrupt {
    nonisolated(unsafe) static var requested = false
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    static func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if requested { exit(130) }
            requested = true
        }
        s.resume()
        source = s
    }
}

/// Writes a file under a temporary name beside it, then renames it into place, so an interrupted
/// run never leaves a partial file under the final name.
enum AtomicFile {
    static func write(to path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp" + (url.pathExtension.isEmpty ? "" : "." + url.pathExtension)).path
        do {
            try body(temporary)
            guard rename(temporary, path) == 0 else {
                throw ExitFailure("\(path): cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}

/// A failure the user caused or can fix: the message on stderr, exit status 1, no stack.
struct ExitFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
