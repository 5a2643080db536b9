import Logging

/// A swift-log handler that writes each log call as one journal entry. Metadata become fields:
/// `event` -> ZSN2N_EVENT, `file` -> ZSN2N_FILE, ...; `message_id` becomes MESSAGE_ID.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let journal: Journal

    public init(journal: Journal, level: Logger.Level) {
        self.journal = journal
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("MESSAGE", "\(event.message)"),
            ("PRIORITY", String(JournalLogHandler.priority(event.level))),
        ]
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            if key == "message_id" { fields.append(("MESSAGE_ID", "\(value)")); continue }
            fields.append(("ZSN2N_" + JournalLogHandler.fieldName(key), "\(value)"))
        }
        if let error = event.error { fields.append(("ZSN2N_ERROR", "\(error)")) }
        journal.send(fields)
    }

    /// syslog priorities, as journald stores them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Journal field names are upper-case letters, digits and underscores.
    static func fieldName(_ key: String) -> String {
        String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
