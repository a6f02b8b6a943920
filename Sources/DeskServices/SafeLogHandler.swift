import DeskCore
import Logging

/// Wraps the daemon's log handler so that one event is always one line.
///
/// Messages and metadata quote what arrived from outside — file names chosen by
/// whoever delivered a file, reasons that quote a message. A newline in a file name
/// would otherwise forge a second log event for the journal and every log shipper
/// behind it, and an escape sequence would reach the terminal of whoever reads the
/// log (issue 7, #6). Here every control character becomes a visible escape (`\n`,
/// `\x1B`) in the message and in every metadata value, including the handler's own
/// metadata, the metadata provider's and the attached error's.
public struct SafeLogHandler: LogHandler {
    private var wrapped: any LogHandler
    public var metadataProvider: Logger.MetadataProvider?

    public init(wrapping handler: any LogHandler) {
        wrapped = handler
        // The provider runs here, so that its values are escaped too.
        metadataProvider = handler.metadataProvider
        wrapped.metadataProvider = nil
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue.mapValues(Self.escaping) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map(Self.escaping) }
    }

    public func log(event: LogEvent) {
        var event = event
        var metadata = metadataProvider?.get() ?? [:]
        metadata.merge(event.metadata ?? [:]) { $1 }
        if let error = event.error {
            // The wrapped handler would print the error raw: give it as escaped metadata instead.
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
            event.error = nil
        }
        event.metadata = metadata.isEmpty ? nil : metadata.mapValues(Self.escaping)
        event.message = "\(SafeText.escapingControls(event.message.description))"
        wrapped.log(event: event)
    }

    static func escaping(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return .string(SafeText.escapingControls(text))
        case .stringConvertible(let convertible): return .string(SafeText.escapingControls(convertible.description))
        case .array(let values): return .array(values.map(escaping))
        case .dictionary(let values):
            return .dictionary(
                Dictionary(uniqueKeysWithValues: values.map { (SafeText.escapingControls($0.key), escaping($0.value)) })
            )
        }
    }
}
