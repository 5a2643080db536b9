import Foundation
import Testing
import Platform
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// An input is opened once: its bytes hashed there, every later read through the descriptor.
@Suite struct InputFileTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(of: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the digest is the SHA-256 of the file's bytes")
    func digest() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a.bin"
            let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let file = try InputFile(opening: path)
            #expect(file.digest == SHA256.hex(of: bytes))
            #expect(file.name == "a.bin" && file.path == path)
            #expect(file.identity.size == Int64(bytes.count) && file.identity.isRegular)
        }
    }

    @Test("a missing file, a folder, a FIFO and (when not followed) a symlink are refused, naming the path once")
    func refusals() throws {
        try withTemporaryDirectory { dir in
            func refusal(_ path: String, followingSymlink: Bool = true) -> PipelineError? {
                #expect(throws: PipelineError.self) { try InputFile(opening: path, followingSymlink: followingSymlink) }
                do { _ = try InputFile(opening: path, followingSymlink: followingSymlink) } catch let error as PipelineError {
                    #expect(error.stage == .open)
                    #expect(error.description.components(separatedBy: path).count == 2, "\(error)")
                    return error
                } catch { Issue.record("\(error)") }
                return nil
            }
            let missing = refusal(dir + "/missing.png")
            #expect(missing?.errno == .noSuchFileOrDirectory && missing?.reason == "no such file")
            #expect(refusal(dir)?.reason == "is a folder, not an image file")
            #expect(mkfifo(dir + "/pipe.png", 0o644) == 0)
            #expect(refusal(dir + "/pipe.png")?.reason == "is not a regular file")  // and it did not block
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/target.png"))
            #expect(symlink(dir + "/target.png", dir + "/link.png") == 0)
            #expect(refusal(dir + "/link.png", followingSymlink: false)?.errno == .tooManySymbolicLinkLevels)
            #expect(try InputFile(opening: dir + "/link.png").digest == SHA256.hex(of: Array("x".utf8)))
        }
    }
}
