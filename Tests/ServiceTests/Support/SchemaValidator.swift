import Foundation

/// Validates JSON documents against the published JSON Schemas with python3's `jsonschema`
/// (Draft 2020-12), the reference implementation, rather than a hand-written subset.
enum SchemaValidator {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func schema(_ name: String) -> String { repository.appendingPathComponent("schema/\(name)").path }

    /// The first python3 that has jsonschema: the one on PATH (pip, pyenv), else Debian's
    /// (apt-get install python3-jsonschema, which .ci/run installs).
    static let python: [String]? = [["/usr/bin/env", "python3"], ["/usr/bin/python3"]].first {
        run($0, ["-c", "import jsonschema"]).status == 0
    }

    static var available: Bool { python != nil }

    /// nil when every document is valid, else the validator's message.
    static func validate(documents: [String], against schema: String) -> String? {
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        for path in sys.argv[2:]:
            errors = sorted(validator.iter_errors(json.load(open(path))), key=str)
            if errors:
                print(path + ": " + errors[0].message + " at " + "/".join(map(str, errors[0].absolute_path)))
                sys.exit(1)
        """
        guard let python else { return "no python3 with jsonschema" }
        let result = run(python, ["-c", script, schema] + documents)
        return result.status == 0 ? nil : result.output
    }

    private static func run(_ command: [String], _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "python3 not found") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
