import Foundation

/// The fuzz targets' `main` outside libFuzzer: runs the target once on every file (or every file
/// in every folder) named on the command line, so that the seed corpus and any crash input can be
/// replayed in an ordinary build (the test suite's smoke run does this). Under libFuzzer
/// (`-D FUZZING`, scripts/fuzz.sh) libFuzzer's own main drives the target instead.
public enum Replay {
    public static func run(_ arguments: [String], target: (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
        var files: [String] = []
        for argument in arguments {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("\(argument): no such file\n".utf8))
                return 2
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                files += names.sorted().map { (argument as NSString).appendingPathComponent($0) }
            } else {
                files.append(argument)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            _ = data.withUnsafeBytes { target($0.bindMemory(to: UInt8.self).baseAddress, data.count) }
        }
        print("replayed \(files.count) input(s)")
        return 0
    }
}
