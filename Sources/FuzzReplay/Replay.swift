import Foundation
import Platform

/// The fuzz targets' `main` outside libFuzzer: runs the target once on every file (or every file
/// in every folder) named on the command line, so that the seed corpus and any crash input can be
/// replayed in an ordinary build (the test suite's smoke run does this). Under libFuzzer
/// (`-D FUZZING`, scripts/fuzz.sh) libFuzzer's driver runs the target instead (FuzzDriver).
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
                let names = (try? FileSystem.listing(of: argument, includingHidden: true).names) ?? []
                files += names.map { (argument as NSString).appendingPathComponent($0) }
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

#if FUZZING
/// libFuzzer's own driver, for a target built with -sanitize=fuzzer: SwiftPM gives an executable
/// its entry point under its own name, so the target's `main` hands over to libFuzzer.
public enum FuzzDriver {
    public typealias Target = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    @_silgen_name("LLVMFuzzerRunDriver")
    private static func runDriver(_ argc: UnsafeMutablePointer<Int32>,
                                  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                  _ target: Target) -> Int32

    public static func run(_ target: Target) -> Int32 {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        return runDriver(&argc, &argv, target)
    }
}
#endif

/// A fuzz target's `main`: libFuzzer's driver in a fuzzing build (`-D FUZZING`), else the replay
/// of the files and folders named on the command line.
public enum FuzzMain {
    public static func run(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        #if FUZZING
        exit(FuzzDriver.run(target))
        #else
        exit(Replay.run(Array(CommandLine.arguments.dropFirst()), target: { target($0, $1) }))
        #endif
    }
}
