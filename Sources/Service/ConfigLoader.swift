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
            ({ DaemonConfigKey.named($0)!.option }, Set(cli.keys),
             InMemoryProvider(name: "command line", values: cliValues)),
            ({ DaemonConfigKey.named($0)!.environmentVariable }, Set(env.keys),
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
        // The defaults, the lowest layer: the table's, read as a value in the file would be.
        let defaults = try DaemonConfigKey.all.reduce(into: [AbsoluteConfigKey: ConfigValue]()) { values, key in
            if let text = key.defaultValue { values[AbsoluteConfigKey([key.name])] = try typed(text, key, source: "default") }
        }
        let merged = ConfigReader(providers: layers.map(\.provider) + [InMemoryProvider(name: "default", values: defaults)])
        func source(_ name: String) -> String {
            layers.first { $0.keys.contains(name) }.map { $0.source(name) } ?? "default"
        }
        func bad(_ name: String, _ reason: String) -> DaemonConfigError {
            DaemonConfigError(key: name, source: source(name), reason: reason)
        }

        // Each key's value, checked against what the table allows.
        var values = Values()
        for key in DaemonConfigKey.all {
            let value: Value
            switch key.kind {
            case .string, .declarations:
                guard let text = merged.string(forKey: ConfigKey(key.name)),
                      !(text.isEmpty && key.defaultValue == nil) else { continue }  // none
                value = .text(text)
            case .int:
                guard let int = merged.int(forKey: ConfigKey(key.name)) else { continue }
                value = .integer(int)
            case .double:
                guard let double = merged.double(forKey: ConfigKey(key.name)) else { continue }
                value = .number(double)
            }
            if let reason = key.refusal(value.text, number: value.number) { throw bad(key.name, reason) }
            if key.allowed == .folder {
                let absolute = value.text.hasPrefix("/") ? value.text : FileSystem.join(workingDirectory, value.text)
                values[key.name] = .text((absolute as NSString).standardizingPath)
            } else {
                values[key.name] = value
            }
        }
        let folders = ["inbox", "outbox", "done", "failed"].map { ($0, values.text($0)!) }
        for (i, a) in folders.enumerated() {
            for b in folders[(i + 1)...] where a.1 == b.1 {
                throw bad(b.0, "is the same folder as \(a.0) (\(a.1))")
            }
        }

        // The denoising keys, as the CLI's options are: one DenoiseSettings, checked once.
        var settings = DenoiseSettings()
        settings.method = values.text("method")!
        settings.sampler = values.text("sampler")!
        do { settings.declarations = try values.text("declare").map(DeclaredSampler.list(fromJSON:)) ?? [] } catch {
            throw bad("declare", "expected a list of {name, k1, k2, stride, divisor} (\(error))")
        }
        settings.preset = values.text("preset")!
        settings.iterations = values.integer("iterations").flatMap { $0 == 0 ? nil : $0 }
        settings.crop = values.integer("crop")
        settings.batch = values.integer("batch")
        settings.learningRate = values.number("learning_rate")
        settings.bankStride = values.integer("bank_stride")
        settings.strength = values.number("strength")!
        settings.seed = UInt64(values.integer("seed")!)
        settings.threads = values.integer("threads")!
        settings.concurrency = values.integer("concurrency")!
        settings.maxPixels = values.integer("max_pixels")!
        settings.jpegQuality = values.integer("jpeg_quality")!
        let job: DenoiseOptions
        do { job = try DenoiseOptions(validating: settings) } catch let error as SettingsError {
            throw bad(error.key, error.reason)
        }

        return DaemonConfig(
            inbox: values.text("inbox")!, outbox: values.text("outbox")!, done: values.text("done")!,
            failed: values.text("failed")!, reference: values.text("reference"), metricsDir: values.text("metrics_dir"),
            after: AfterSuccess(rawValue: values.text("after")!)!, job: job, concurrency: settings.concurrency,
            settleSeconds: values.number("settle_seconds")!, emptyTimeoutSeconds: values.number("empty_timeout_seconds")!,
            retrySeconds: values.number("retry_seconds")!, keepOutboxDays: values.number("keep_outbox_days"),
            keepDoneDays: values.number("keep_done_days"), keepFailedDays: values.number("keep_failed_days"), logLevel: Logger.Level(rawValue: values.text("log_level")!)!,
            configFile: configFile)
    }

    /// A key's value, of its kind.
    private enum Value {
        case text(String), integer(Int), number(Double)

        var text: String {
            switch self {
            case .text(let text): return text
            case .integer(let int): return String(int)
            case .number(let double): return String(double)
            }
        }

        var number: Double? {
            switch self {
            case .text: return nil
            case .integer(let int): return Double(int)
            case .number(let double): return double
            }
        }
    }

    /// The keys' values after precedence and their checks; a key with none is absent.
    private struct Values {
        private var values: [String: Value] = [:]

        subscript(name: String) -> Value? {
            get { values[name] }
            set {
                precondition(DaemonConfigKey.named(name) != nil, "\(name) is not in DaemonConfigKey.all")
                values[name] = newValue
            }
        }

        func text(_ name: String) -> String? { value(name).map(\.text) }
        func integer(_ name: String) -> Int? { if case .integer(let int) = value(name) { int } else { nil } }
        func number(_ name: String) -> Double? { value(name)?.number }

        private func value(_ name: String) -> Value? {
            precondition(DaemonConfigKey.named(name) != nil, "\(name) is not in DaemonConfigKey.all")
            return values[name]
        }
    }

    private static func kindName(_ kind: DaemonConfigKey.Kind) -> String {
        switch kind {
        case .string, .declarations: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        }
    }

    private static func typedValue(_ reader: ConfigReader, _ key: DaemonConfigKey) throws -> Any {
        switch key.kind {
        case .string, .declarations: return try reader.requiredString(forKey: ConfigKey(key.name))
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
            return try JSONFormat.line(list)
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
            if key.kind == .declarations, valueNode.scalar == nil {
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
        case .string, .declarations:
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
