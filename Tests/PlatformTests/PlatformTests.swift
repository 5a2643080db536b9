import Foundation
import SystemPackage
import Testing
@testable import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The platform layer on real files: the one atomic write, the one durable append, renames that
/// never replace, and inotify.
@Suite struct PlatformTests {
    private func withFolder<T>(_ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zsn2n-platform-\(UUID().uuidString)").path
        try FileSystem.makeDirectory(dir + "/nested/deeper")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    private func read(_ path: String) throws -> String { String(decoding: try FileSystem.readFile(path), as: UTF8.self) }

    @Test("a staged file gets its final name only on commit, and never replaces one unless told")
    func stagedFiles() throws {
        try withFolder { dir in
            let staged = try StagedFile.write(Data("new".utf8), in: dir, temporaryName: StagedFile.temporaryName(for: "a.txt"))
            #expect(try FileSystem.contents(ofDirectory: dir).sorted() == [(staged.temporaryPath as NSString).lastPathComponent, "nested"].sorted())
            try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/a.txt"))
            #expect(try staged.commit(as: "a.txt", replacing: false) == false)
            #expect(try read(dir + "/a.txt") == "old" && FileSystem.exists(staged.temporaryPath))
            #expect(try staged.commit(as: "b.txt", replacing: false))
            #expect(try read(dir + "/b.txt") == "new" && !FileSystem.exists(staged.temporaryPath))

            let again = try StagedFile.write(Data("newer".utf8), in: dir, temporaryName: StagedFile.temporaryName(for: "a.txt"))
            #expect(try again.commit(as: "a.txt", replacing: true))
            #expect(try read(dir + "/a.txt") == "newer")

            // A writer that fails leaves nothing behind.
            struct Refused: Error {}
            #expect(throws: Refused.self) {
                _ = try StagedFile.write(in: dir, temporaryName: ".half.tmp") { path in
                    try Data("half".utf8).write(to: URL(fileURLWithPath: path))
                    throw Refused()
                }
            }
            #expect(!FileSystem.exists(dir + "/.half.tmp"))
            #expect(try FileSystem.contents(ofDirectory: dir).sorted() == ["a.txt", "b.txt", "nested"])
        }
    }

    @Test("writeAtomically leaves only the final file, and refuses an existing one when not replacing")
    func atomicWrites() throws {
        try withFolder { dir in
            try StagedFile.writeAtomically(Data("one".utf8), to: dir + "/f")
            try StagedFile.writeAtomically(Data("two".utf8), to: dir + "/f")
            #expect(try read(dir + "/f") == "two")
            let error = #expect(throws: SystemError.self) { try StagedFile.writeAtomically(Data("three".utf8), to: dir + "/f", replacing: false) }
            #expect(error?.errno == .fileExists && error?.description.contains(dir + "/f") == true)
            #expect(try read(dir + "/f") == "two")
            #expect(try FileSystem.contents(ofDirectory: dir).sorted() == ["f", "nested"])
        }
    }

    @Test("temporary names stay within 255 bytes and differ between calls")
    func temporaryNames() {
        let long = String(repeating: "é", count: 127) + "x"  // 255 bytes
        let a = StagedFile.temporaryName(for: long, prefix: ".zsn2nd-tmp-"), b = StagedFile.temporaryName(for: long, prefix: ".zsn2nd-tmp-")
        #expect(a.utf8.count <= 255 && a.hasPrefix(".zsn2nd-tmp-é") && a.hasSuffix(".tmp"))
        #expect(a != b)
    }

    @Test("the append log holds every line whole, in order, with its mode")
    func appendLog() throws {
        try withFolder { dir in
            let log = AppendLog(path: dir + "/log.jsonl", mode: 0o600)
            for i in 0..<5 { try log.append(Data("{\"n\":\(i)}".utf8)) }
            #expect(try read(dir + "/log.jsonl") == (0..<5).map { "{\"n\":\($0)}\n" }.joined())
            var st = stat()
            #expect(lstat(dir + "/log.jsonl", &st) == 0 && st.st_mode & 0o777 == 0o600)
            #expect(symlink(dir + "/log.jsonl", dir + "/link.jsonl") == 0)
            let refused = #expect(throws: SystemError.self) { try AppendLog(path: dir + "/link.jsonl").append(Data("x".utf8)) }
            #expect(refused?.errno == .tooManySymbolicLinkLevels)
        }
    }

    @Test("a results log: its header apart, a line cut short dropped and cut off the file, a header alone left whole; CSV fields quoted and read back")
    func resultsLog() throws {
        try withFolder { dir in
            let log = ResultsLog(path: dir + "/r.csv", header: "a,b")
            #expect(try log.read() == nil)
            try log.create()
            #expect(try log.read() == ResultsLog.Contents(header: "a,b", lines: [], cutShort: nil))
            try log.append(CSV.line(["x, y", "say \"hi\""]))
            try log.append("2,3")
            let whole = try FileSystem.readFile(dir + "/r.csv")
            #expect(String(decoding: whole, as: UTF8.self) == "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n2,3\n")
            try (whole + Data("4,".utf8)).write(to: URL(fileURLWithPath: dir + "/r.csv"))
            #expect(try log.read() == ResultsLog.Contents(header: "a,b", lines: ["\"x, y\",\"say \"\"hi\"\"\"", "2,3"], cutShort: "4,"))
            #expect(try FileSystem.readFile(dir + "/r.csv") == whole, "the cut line is off the file")
            #expect(CSV.fields("\"x, y\",\"say \"\"hi\"\"\"") == ["x, y", "say \"hi\""])
            try Data("a,b".utf8).write(to: URL(fileURLWithPath: dir + "/h.csv"))
            #expect(try ResultsLog(path: dir + "/h.csv", header: "a,b").read()?.cutShort == nil)
            #expect(try read(dir + "/h.csv") == "a,b")
            let jsonl = ResultsLog(path: dir + "/r.jsonl")
            try Data("{}\n{\"cut".utf8).write(to: URL(fileURLWithPath: dir + "/r.jsonl"))
            #expect(try jsonl.read() == ResultsLog.Contents(header: nil, lines: ["{}"], cutShort: "{\"cut"))
        }
    }

    @Test("renames and moves never replace; identities tell links apart")
    func renamesAndIdentities() throws {
        try withFolder { dir in
            try Data("a".utf8).write(to: URL(fileURLWithPath: dir + "/a"))
            try Data("b".utf8).write(to: URL(fileURLWithPath: dir + "/b"))
            #expect(try FileSystem.rename(dir + "/a", to: dir + "/b", replacing: false) == false)
            #expect(try read(dir + "/b") == "b")
            #expect(try FileSystem.move(dir + "/a", to: dir + "/nested/a", temporaryName: ".t.tmp"))
            #expect(try !FileSystem.exists(dir + "/a") && read(dir + "/nested/a") == "a")

            #expect(link(dir + "/b", dir + "/hard") == 0)
            #expect(symlink(dir + "/b", dir + "/soft") == 0)
            let b = try #require(try FileSystem.identity(of: dir + "/b"))
            #expect(try #require(try FileSystem.identity(of: dir + "/hard")).sameFile(as: b))
            let soft = try #require(try FileSystem.identity(of: dir + "/soft"))
            #expect(soft.isSymlink && !soft.sameFile(as: b))
            #expect(try #require(try FileSystem.identity(of: dir + "/soft", followingSymlink: true)).sameContent(as: b))
            #expect(try FileSystem.identity(of: dir + "/none") == nil)
            let error = #expect(throws: SystemError.self) { try FileSystem.readFile(dir + "/none") }
            #expect(error?.description == "open \(dir)/none: No such file or directory")
        }
    }

    @Test("a move across filesystems copies, commits and removes the source")
    func moveAcrossFilesystems() throws {
        let shm = "/dev/shm/zsn2n-platform-\(UUID().uuidString)"
        guard (try? FileSystem.makeDirectory(shm)) != nil else { return }
        defer { try? FileManager.default.removeItem(atPath: shm) }
        try withFolder { dir in
            let a = try #require(try FileSystem.identity(of: shm)), b = try #require(try FileSystem.identity(of: dir))
            guard a.device != b.device else { return }  // one filesystem here: nothing to cross
            try Data("across".utf8).write(to: URL(fileURLWithPath: shm + "/x"))
            #expect(try FileSystem.move(shm + "/x", to: dir + "/x", temporaryName: ".x.tmp"))
            #expect(try read(dir + "/x") == "across")
            #expect(!FileSystem.exists(shm + "/x") && !FileSystem.exists(dir + "/.x.tmp"))
            try Data("again".utf8).write(to: URL(fileURLWithPath: shm + "/x"))
            #expect(try FileSystem.move(shm + "/x", to: dir + "/x", temporaryName: ".x.tmp") == false)
            #expect(try read(dir + "/x") == "across")
            #expect(FileSystem.exists(shm + "/x"))
        }
    }

    @Test("inotify reports a file closed after writing, by name")
    func inotify() throws {
        try withFolder { dir in
            let watch = try Inotify(watching: dir, mask: UInt32(IN_CLOSE_WRITE))
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/new.png"))
            let events = try watch.read()
            #expect(events.contains { $0.name.string == "new.png" && $0.mask & UInt32(IN_CLOSE_WRITE) != 0 })
        }
    }

    @Test("names that are not UTF-8 are listed by their bytes, escaped, and moved by them")
    func undecodableNames() throws {
        try withFolder { dir in
            let bytes: [UInt8] = Array("bad-".utf8) + [0xFF, 0xFE] + Array("-100%.png".utf8)
            let path = Array((dir + "/").utf8) + bytes + [0]
            let fd = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
            #expect(fd >= 0)
            close(fd)
            let entry = try #require(try FileSystem.entries(ofDirectory: dir).first { $0.bytes == bytes })
            #expect(entry.string == nil)
            #expect(entry.escaped == "bad-%FF%FE-100%25.png")
            #expect(!(try FileSystem.contents(ofDirectory: dir)).contains { $0.hasPrefix("bad-") })
            #expect(try FileSystem.rename(entry, in: dir, to: dir + "/" + entry.escaped))
            #expect(FileSystem.exists(dir + "/bad-%FF%FE-100%25.png"))
            #expect(FileName("plain.png").string == "plain.png" && FileName("plain.png").escaped == "plain.png")
        }
    }

    @Test("a folder's listing: sorted names, hidden ones and other extensions left out unless asked, names that are not UTF-8 apart; a walk goes below")
    func folderListing() throws {
        try withFolder { dir in
            for name in ["b.PNG", "a.png", ".h.png", "notes.txt", "c.jpeg", "nested/deeper/.d.png.x1.tmp"] {
                try Data().write(to: URL(fileURLWithPath: dir + "/" + name))
            }
            let bytes: [UInt8] = Array("z".utf8) + [0xFF] + Array(".png".utf8)
            let path = Array((dir + "/").utf8) + bytes + [0]
            let fd = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
            #expect(fd >= 0)
            close(fd)
            let images = try FileSystem.listing(of: dir, extensions: ["png", "JPEG"])
            #expect(images == FolderListing(names: ["a.png", "b.PNG", "c.jpeg"], undecodable: ["z%FF.png"]))
            #expect(try FileSystem.listing(of: dir, extensions: ["txt"]).names == ["notes.txt"])
            #expect(try FileSystem.listing(of: dir, includingHidden: true).names == [".h.png", "a.png", "b.PNG", "c.jpeg", "nested", "notes.txt"])
            #expect(try FileSystem.walk(dir + "/nested") == ["deeper", "deeper/.d.png.x1.tmp"])
            let error = #expect(throws: SystemError.self) { try FileSystem.listing(of: dir + "/none") }
            #expect(error?.description == "opendir \(dir)/none: No such file or directory")
        }
    }

    @Test func numberedNamesKeepTheExtension() {
        #expect(FileName.numbered("photo.png", 0) == "photo.png")
        #expect(FileName.numbered("photo.png", 2) == "photo-2.png")
        #expect(FileName.numbered("a.b.JPG", 1) == "a.b-1.JPG")
        #expect(FileName.numbered("README", 3) == "README-3")
    }

    @Test("files committed together get their names in order; a name taken midway takes the earlier ones back, so no part of the set keeps a final name")
    func commitInOrder() throws {
        try withFolder { dir in
            func stage(_ text: String, _ name: String, in folder: String = dir) throws -> StagedFile {
                try StagedFile.write(Data(text.utf8), in: folder, temporaryName: StagedFile.temporaryName(for: name))
            }
            let output = try stage("image", "out.png"), sidecar = try stage("doc", "out.png.json", in: dir + "/nested")
            try Data("someone else's".utf8).write(to: URL(fileURLWithPath: dir + "/nested/out.png.json"))
            #expect(try StagedFile.commit([(output, "out.png"), (sidecar, "out.png.json")], replacing: false) == 1)
            #expect(!FileSystem.exists(dir + "/out.png"), "the output was taken back")
            #expect(try read(output.temporaryPath) == "image" && read(dir + "/nested/out.png.json") == "someone else's")
            #expect(try StagedFile.commit([(output, "out-1.png"), (sidecar, "out-1.png.json")], replacing: false) == nil)
            #expect(try read(dir + "/out-1.png") == "image" && read(dir + "/nested/out-1.png.json") == "doc")
            #expect(!FileSystem.exists(output.temporaryPath) && !FileSystem.exists(sidecar.temporaryPath))

            let first = try stage("new", "out-1.png")
            #expect(try StagedFile.commit([(first, "out-1.png")], replacing: false) == 0)
            #expect(try StagedFile.commit([(first, "out-1.png")], replacing: true) == nil)
            #expect(try read(dir + "/out-1.png") == "new")
        }
    }

    @Test("a long name is cut to fit with its suffix, on a character boundary, keeping its extension")
    func fittingNames() {
        #expect(FileName.fitting("short.png", suffix: ".error.json") == "short.png")
        let long = String(repeating: "é", count: 126) + "xy.png"  // 258 bytes
        let a = FileName.fitting(long, suffix: ".error.json")
        #expect(a.utf8.count + ".error.json".utf8.count <= 255)
        #expect(a.hasSuffix(".png") && a.hasPrefix("éé") && a.contains("~"))
        let b = FileName.fitting(String(repeating: "é", count: 126) + "xz.png", suffix: ".error.json")
        #expect(a != b, "two long names that differ only at the end stay apart")
    }
}
