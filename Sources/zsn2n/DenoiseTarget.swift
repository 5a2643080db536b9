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
    /// fail on their own, with their reason, without stopping the others.
    static func expand(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            guard let id = (try? FileSystem.identity(of: argument, followingSymlink: true)) ?? nil, id.isDirectory else {
                files.append(argument)
                continue
            }
            let names: [String]
            do { names = try FileSystem.contents(ofDirectory: argument) } catch {
                throw ValidationError("\(argument): cannot list the folder: \(error)")
            }
            files += names.filter { !$0.hasPrefix(".") && ImageSourceInfo.Format(fileExtension: ($0 as NSString).pathExtension) != nil }
                .sorted().map { FileSystem.join(argument, $0) }
        }
        var seen = Set<String>()
        return files.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
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
                let name = (input as NSString).lastPathComponent
                var n = 0
                var candidate = name
                while taken.contains(candidate) {
                    n += 1
                    let ns = name as NSString
                    candidate = ns.pathExtension.isEmpty ? "\(name)-\(n)" : "\(ns.deletingPathExtension)-\(n).\(ns.pathExtension)"
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
        guard ImageSourceInfo.Format(fileExtension: ext) != nil else { return input + ".denoised.png" }
        return ns.deletingPathExtension + ".denoised." + ext
    }
}
