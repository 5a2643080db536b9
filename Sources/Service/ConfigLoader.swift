import Configuration
import Denoiser
import Engine
import Foundation
import Logging
import Pipeline
import Platform
import Yams

/// Builds a `DaemonConfig` from the three layers with swift-configuration doing the precedence:
/// command line > environment (`ZSN2N_*`) > YAML file > defaults.
///
/// swift-configuration answers "what is the value of key K", not "which keys did the user write",
/// so the checks an operator needs (a misspelt key is an error, not silently ignored; a wrong type
/// names the key and where it came from) are done here, source by source, before the merge.
public enum ConfigLoader {
    /// - Parameters:
    ///   - commandLine: `--key value` / `--key=value` pairs, everything zsn2nd did not parse itself.
    ///   - environment: the process environment; only `ZSN2N_*` variables are read.
    ///   - configFile: a YAML file, or nil for none.
    ///   - workingDirectory: relative folders are resolved against it.
    public static func load(
        commandLine: [String], environment: [String: String], configFile: String?,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> DaemonConfig {
        let cli = try commandLineValues(commandLine)
        let env = try environmentValues(environment)
        let fileSource = configFile.map { "file \($0)" } ?? "file"
        let file = try configFile.map(fileValues) ?? [:]

        // One provider per layer; each is first read alone so that a bad value is reported against
        // its own source even when a higher layer would hide it.
        // The command line is parsed here, not by swift-configuration's CommandLineArgumentsProvider,
        // which splits every value at its commas: a folder named "a,b" or a JSON `declare` list
        // would arrive in pieces.
        let cliValues = try cli.reduce(into: [AbsoluteConfigKey: ConfigValue]()) { values, pair in
            let key = DaemonConfigKey.named(pair.key)!
            values[AbsoluteConfigKey([pair.key])] = try typed(pair.value, key, source: key.option)
        }
        let layers: [(source: (String) -> String, keys: Set<String>, provider: any ConfigProvider)] = [
            ({ "--" + $0.replacingOccurrences(of: "_", with: "-") }, Set(cli.keys),
             InMemoryProvider(name: "command line", values: cliValues)),
            ({ "ZSN2N_" + $0.uppercased() }, Set(env.keys),
             EnvironmentVariablesProvider(environmentVariables: Dictionary(uniqueKeysWithValues: env.map { ($0.key.uppercased(), $0.value) }))),
            ({ _ in fileSource }, Set(file.keys),
             InMemoryProvider(name: fileSource, values: file.reduce(into: [:]) { $0[AbsoluteConfigKey([$1.key])] = $1.value })),
        ]
        for layer in layers {
            let reader = ConfigReader(provider: layer.provider)
            for name in layer.keys {
                do { _ = try typedValue(reader, DaemonConfigKey.named(name)!) } catch {
                    throw DaemonConfigError(key: name, source: layer.source(name),
                                            reason: "expected \(kindName(DaemonConfigKey.named(name)!.kind))")
                }
            }
        }
        let merged = ConfigReader(providers: layers.map(\.provider))
        func source(_ name: String) -> String {
            layers.first { $0.keys.contains(name) }.map { $0.source(name) } ?? "default"
        }
        func string(_ name: String, _ fallback: String) -> String { merged.string(forKey: ConfigKey(name), default: fallback) }
        func int(_ name: String, _ fallback: Int) -> Int { merged.int(forKey: ConfigKey(name), default: fallback) }
        func bad(_ name: String, _ reason: String) -> DaemonConfigError {
            DaemonConfigError(key: name, source: source(name), reason: reason)
        }
        func folder(_ name: String, _ fallback: String) throws -> String {
            let value = string(name, fallback)
            guard !value.isEmpty else { throw bad(name, "must name a folder") }
            let absolute = value.hasPrefix("/") ? value : FileSystem.join(workingDirectory, value)
            return (absolute as NSString).standardizingPath
        }

        let inbox = try folder("inbox", "inbox")
        let outbox = try folder("outbox", "outbox")
        let done = try folder("done", "done")
        let failed = try folder("failed", "failed")
        let referenceText = string("reference", "")
        let reference = referenceText.isEmpty ? nil : try folder("reference", "")
        let folders = [("inbox", inbox), ("outbox", outbox), ("done", done), ("failed", failed)]
        for (i, a) in folders.enumerated() {
            for b in folders[(i + 1)...] where a.1 == b.1 {
                throw bad(b.0, "is the same folder as \(a.0) (\(a.1))")
            }
        }

        let afterText = string("after", "move")
        guard let after = AfterSuccess(rawValue: afterText) else {
            throw bad("after", "must be one of move, keep, delete (got '\(afterText)')")
        }
        let declareText = string("declare", "")
        let declared: [DeclaredSampler]
        do { declared = declareText.isEmpty ? [] : try DeclaredSampler.list(fromJSON: declareText) } catch {
            throw bad("declare", "expected a list of {name, k1, k2, stride, divisor} (\(error))")
        }
        let iterations = int("iterations", 0)
        let seed = int("seed", 0)
        guard seed >= 0 else { throw bad("seed", "must not be negative") }
        let concurrency = int("concurrency", 1)
        guard (1...64).contains(concurrency) else { throw bad("concurrency", "must be between 1 and 64") }
        let threads = int("threads", 0)
        let job: DenoiseOptions
        do {
            job = try DenoiseOptions(validating: DenoiseSettings {
                $0.method = string("method", DenoisingMethods.standard.name)
                $0.sampler = string("sampler", "original")
                $0.preset = string("preset", "balanced")
                $0.iterations = iterations == 0 ? nil : iterations
                $0.seed = UInt64(seed)
                $0.threads = threads
                $0.concurrency = concurrency
                $0.maxPixels = int("max_pixels", 100_000_000)
                $0.jpegQuality = int("jpeg_quality", 95)
                $0.declarations = declared
            })
        } catch let error as SettingsError {
            throw bad(error.key, error.reason)
        }
        let settle = merged.double(forKey: "settle_seconds", default: 2)
        guard settle >= 0, settle <= 3600 else { throw bad("settle_seconds", "must be between 0 and 3600") }
        let emptyTimeout = merged.double(forKey: "empty_timeout_seconds", default: 60)
        guard emptyTimeout >= 0, emptyTimeout <= 86400 else { throw bad("empty_timeout_seconds", "must be between 0 and 86400") }
        let retry = merged.double(forKey: "retry_seconds", default: 60)
        guard retry >= 0.1, retry <= 86400 else { throw bad("retry_seconds", "must be between 0.1 and 86400") }
        let levelText = string("log_level", "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw bad("log_level", "must be one of trace, debug, info, notice, warning, error, critical")
        }

        return DaemonConfig(
            inbox: inbox, outbox: outbox, done: done, failed: failed, reference: reference, after: after, job: job,
            concurrency: concurrency, settleSeconds: settle, emptyTimeoutSeconds: emptyTimeout, retrySeconds: retry, logLevel: level,
            configFile: configFile)
    }

    private static func kindName(_ kind: DaemonConfigKey.Kind) -> String {
        switch kind {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        }
    }

    private static func typedValue(_ reader: ConfigReader, _ key: DaemonConfigKey) throws -> Any {
        switch key.kind {
        case .string: return try reader.requiredString(forKey: ConfigKey(key.name))
        case .int: return try reader.requiredInt(forKey: ConfigKey(key.name))
        case .double: return try reader.requiredDouble(forKey: ConfigKey(key.name))
        }
    }

    /// `--key value` and `--key=value`, kebab-case or snake_case; an unknown option is an error.
    static func commandLineValues(_ arguments: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw DaemonConfigError(key: "", source: "command line", reason: "unexpected argument '\(argument)'")
            }
            var option = String(argument.dropFirst(2))
            var value: String?
            if let equals = option.firstIndex(of: "=") {
                value = String(option[option.index(after: equals)...])
                option = String(option[..<equals])
            }
            let name = option.replacingOccurrences(of: "-", with: "_")
            guard DaemonConfigKey.named(name) != nil else {
                throw DaemonConfigError(key: name, source: "--" + option, reason: "unknown option (see zsn2nd --help)")
            }
            if value == nil {
                index += 1
                guard index < arguments.count else {
                    throw DaemonConfigError(key: name, source: "--" + option, reason: "needs a value")
                }
                value = arguments[index]
            }
            values[name] = value
            index += 1
        }
        return values
    }

    /// `ZSN2N_KEY=value`; a `ZSN2N_` variable that names no key is an error (a typo would otherwise
    /// be silently ignored). ZSN2N_CONFIG names the file and is handled by the caller.
    static func environmentValues(_ environment: [String: String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for (variable, value) in environment where variable.hasPrefix("ZSN2N_") && variable != "ZSN2N_CONFIG" {
            let name = variable.dropFirst("ZSN2N_".count).lowercased()
            guard DaemonConfigKey.named(name) != nil else {
                throw DaemonConfigError(key: name, source: variable, reason: "unknown configuration variable")
            }
            values[name] = value
        }
        return values
    }

    /// `declare:` written in YAML (a list of mappings, or one mapping) as the JSON text that the
    /// command line and the environment carry, so that all three layers hold the same kind of value.
    private static func declarationsJSON(_ node: Node, at: String) throws -> String {
        do {
            let list = node.mapping != nil ? [try YAMLDecoder().decode(DeclaredSampler.self, from: node)]
                                           : try YAMLDecoder().decode([DeclaredSampler].self, from: node)
            return String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        } catch {
            throw DaemonConfigError(key: "declare", source: at, reason: "expected a list of {name, k1, k2, stride, divisor} (\(error))")
        }
    }

    /// The YAML file's top-level mapping, each value converted to its key's type.
    static func fileValues(_ path: String) throws -> [String: ConfigValue] {
        let source = "file \(path)"
        let text: String
        do { text = String(decoding: try FileSystem.readFile(path), as: UTF8.self) } catch {
            throw DaemonConfigError(key: "", source: source, reason: "cannot be read: \(error)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw DaemonConfigError(key: "", source: source, reason: "is not valid YAML: \(error)")
        }
        guard let root else { return [:] }  // an empty file (or only comments) sets nothing
        guard let mapping = root.mapping else {
            throw DaemonConfigError(key: "", source: source, reason: "must be a mapping of key: value lines")
        }
        var values: [String: ConfigValue] = [:]
        for (keyNode, valueNode) in mapping {
            let name = keyNode.string ?? "\(keyNode)"
            let at = keyNode.mark.map { "\(source), line \($0.line)" } ?? source
            guard let key = DaemonConfigKey.named(name) else {
                throw DaemonConfigError(key: name, source: at, reason: "unknown key (see etc/zsn2nd.yaml for the list)")
            }
            if name == "declare", valueNode.scalar == nil {
                values[name] = ConfigValue(.string(try declarationsJSON(valueNode, at: at)), isSecret: false)
                continue
            }
            guard let scalar = valueNode.scalar else {
                throw DaemonConfigError(key: name, source: at, reason: "expected \(kindName(key.kind)), got a list or mapping")
            }
            if scalar.string == "~" || scalar.string == "null" || (scalar.string.isEmpty && scalar.style == .plain) {
                continue  // `key:` with no value keeps the default
            }
            values[name] = try typed(scalar.string, key, source: at)
        }
        return values
    }

    /// A value as its key's type; the error names the key and where the value came from.
    static func typed(_ text: String, _ key: DaemonConfigKey, source: String) throws -> ConfigValue {
        switch key.kind {
        case .string:
            return ConfigValue(.string(text), isSecret: false)
        case .int:
            guard let int = Int(text) else {
                throw DaemonConfigError(key: key.name, source: source, reason: "expected an integer, got '\(text)'")
            }
            return ConfigValue(.int(int), isSecret: false)
        case .double:
            guard let double = Double(text), double.isFinite else {
                throw DaemonConfigError(key: key.name, source: source, reason: "expected a number, got '\(text)'")
            }
            return ConfigValue(.double(double), isSecret: false)
        }
    }
}
