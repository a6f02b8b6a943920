/// A JSON value with ordered keys, so output reads in the contract's order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.jsonText == rhs.jsonText }

    /// The value under `key`, when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// Compact JSON text (RFC 8259), keys in order: for storing and comparing.
    public var jsonText: String {
        switch self {
        case .null, .bool, .number, .string: return rendered()
        case .array(let items): return "[" + items.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ":" + $0.1.jsonText }.joined(separator: ",") + "}"
        }
    }

    /// Pretty-printed JSON text with two-space indentation.
    public func rendered(indent: String = "") -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    /// `rendered(indent:)` appended to `out`: one buffer for a whole document, no
    /// intermediate strings per element (a list of 100,000 objects, issue 11).
    public func write(into out: inout String, indent: String = "") {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let value):
            out += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): Self.quote(value, into: &out)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            let inner = indent + "  "
            out += "[\n"
            for (index, item) in items.enumerated() {
                if index > 0 { out += ",\n" }
                out += inner
                item.write(into: &out, indent: inner)
            }
            out += "\n" + indent + "]"
        case .object(let fields):
            if fields.isEmpty {
                out += "{}"
                return
            }
            let inner = indent + "  "
            out += "{\n"
            for (index, field) in fields.enumerated() {
                if index > 0 { out += ",\n" }
                out += inner
                Self.quote(field.0, into: &out)
                out += ": "
                field.1.write(into: &out, indent: inner)
            }
            out += "\n" + indent + "}"
        }
    }

    /// Whether `text` can be written between quotes as it is: no `"`, `\\` or control
    /// (`SafeText.isControl`). Decided on the UTF-8 bytes: a control beyond ASCII
    /// starts with 0xC2 (C1: U+0080–U+009F) or 0xE2 (U+2028–U+202E, U+2066–U+2069),
    /// so only text holding one of those lead bytes is looked at scalar by scalar.
    static func needsNoEscape(_ text: String) -> Bool {
        var lookCloser = false
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            if byte == 0xC2 || byte == 0xE2 { lookCloser = true }
        }
        return !lookCloser || !text.unicodeScalars.contains(where: SafeText.isControl)
    }

    static func quote(_ text: String, into out: inout String) {
        if needsNoEscape(text) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += quote(text)
    }

    static func quote(_ text: String) -> String {
        // Most text needs no escape at all: then it is copied whole, not scalar by scalar.
        if needsNoEscape(text) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Every control SafeText knows (C0, DEL, C1, line separators, bidi overrides):
            // legal raw in JSON, but a reviewer's terminal would act on them.
            case _ where SafeText.isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
