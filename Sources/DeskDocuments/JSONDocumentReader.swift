import DeskCore

/// JSON (RFC 8259) → the intermediate tree, with every value's line.
///
/// A small parser of its own rather than Foundation's: it gives each value its
/// line, so "case_studies.2.go_live is not a date" can say where, and it caps
/// nesting and size as ``DocumentLimits`` says. Duplicate keys are kept, for the
/// binder to report.
enum JSONDocumentReader {
    static func read(
        _ bytes: [UInt8], source: DocumentSource, limits: DocumentLimits, problems: inout [DocumentProblem]
    ) -> DocumentNode? {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let bad = DocumentText.firstInvalidUTF8(Array(body)) {
            problems.append(
                DocumentProblem(
                    location: source.line(bad.line),
                    message: "the file is not UTF-8 text (byte \(bad.offset + 1)); JSON must be UTF-8"))
            return nil
        }
        var parser = Parser(bytes: Array(body), source: source, limits: limits)
        do throws(ParseError) {
            parser.skipWhitespace()
            let root = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.isAtEnd else { throw parser.error("unexpected text after the end of the JSON value") }
            return root
        } catch {
            problems.append(DocumentProblem(location: error.location, message: error.message))
            return nil
        }
    }

    struct ParseError: Error {
        var location: String
        var message: String
    }

    private struct Parser {
        let bytes: [UInt8]
        let source: DocumentSource
        let limits: DocumentLimits
        var index = 0
        var line = 1
        var lineStart = 0
        var nodes = 0

        init(bytes: [UInt8], source: DocumentSource, limits: DocumentLimits) {
            self.bytes = bytes
            self.source = source
            self.limits = limits
        }

        var isAtEnd: Bool { index >= bytes.count }

        func error(_ message: String) -> ParseError {
            // Columns count characters, not bytes, as an editor shows them.
            let column = String(decoding: bytes[lineStart..<min(index, bytes.count)], as: UTF8.self).count + 1
            return ParseError(
                location: source.line(line, column: column), message: "the JSON is not well-formed: \(message)")
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0D: index += 1
                case 0x0A:
                    index += 1
                    line += 1
                    lineStart = index
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(ParseError) -> DocumentNode {
            nodes += 1
            if nodes > limits.maxNodes {
                throw ParseError(
                    location: source.line(line),
                    message: "the JSON holds more than \(limits.maxNodes) values; it was not read")
            }
            if depth > limits.maxDepth {
                throw ParseError(
                    location: source.line(line),
                    message: "the JSON nests deeper than \(limits.maxDepth) levels; it was not read")
            }
            guard index < bytes.count else { throw error("the text ends where a value should be") }
            let location = source.line(line)
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var entries: [DocumentNode.MappingEntry] = []
                skipWhitespace()
                if take(UInt8(ascii: "}")) { return DocumentNode(content: .mapping([]), location: location) }
                repeat {
                    skipWhitespace()
                    let keyLocation = source.line(line)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                        throw error("expected a key in double quotes")
                    }
                    let key = try string()
                    skipWhitespace()
                    guard take(UInt8(ascii: ":")) else { throw error("expected `:` after the key \"\(key)\"") }
                    skipWhitespace()
                    let member = try value(depth: depth + 1)
                    entries.append(.init(key: key, keyLocation: keyLocation, value: member))
                    skipWhitespace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { throw error("expected `,` or `}`") }
                return DocumentNode(content: .mapping(entries), location: location)
            case UInt8(ascii: "["):
                index += 1
                var items: [DocumentNode] = []
                skipWhitespace()
                if take(UInt8(ascii: "]")) { return DocumentNode(content: .sequence([]), location: location) }
                repeat {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "]")) else { throw error("expected `,` or `]`") }
                return DocumentNode(content: .sequence(items), location: location)
            case UInt8(ascii: "\""):
                return DocumentNode(
                    content: .scalar(DocumentScalar(kind: .text, written: try string())), location: location)
            case UInt8(ascii: "t"):
                try literal("true")
                return DocumentNode(
                    content: .scalar(DocumentScalar(kind: .bool(true), written: "true")), location: location)
            case UInt8(ascii: "f"):
                try literal("false")
                return DocumentNode(
                    content: .scalar(DocumentScalar(kind: .bool(false), written: "false")), location: location)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null(at: location)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return DocumentNode(
                    content: .scalar(DocumentScalar(kind: .number, written: try number())), location: location)
            default:
                throw error("unexpected character where a value should be")
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func literal(_ word: String) throws(ParseError) {
            for byte in word.utf8 {
                guard take(byte) else { throw error("expected `\(word)`") }
            }
        }

        mutating func number() throws(ParseError) -> String {
            let start = index
            _ = take(UInt8(ascii: "-"))
            func digits(_ parser: inout Parser) -> Int {
                var count = 0
                while parser.index < parser.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index])
                {
                    parser.index += 1
                    count += 1
                }
                return count
            }
            let integerStart = index
            guard digits(&self) > 0 else { throw error("a number needs digits") }
            if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 {
                throw error("a number may not start with 0")
            }
            if take(UInt8(ascii: ".")) {
                guard digits(&self) > 0 else { throw error("a number needs digits after `.`") }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
                guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(ParseError) -> String {
            index += 1  // the opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flushRun(_ parser: Parser, into scalars: inout String.UnicodeScalarView) {
                scalars.append(
                    contentsOf: String(decoding: parser.bytes[runStart..<parser.index], as: UTF8.self).unicodeScalars)
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    flushRun(self, into: &scalars)
                    index += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flushRun(self, into: &scalars)
                    index += 1
                    guard index < bytes.count else { throw error("the text ends inside a string") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        let unit = try hex4()
                        if (0xD800...0xDBFF).contains(unit), take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) {
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else {
                                throw error("a \\u escape pairs a high surrogate with no low one")
                            }
                            let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                        } else {
                            scalars.append(Unicode.Scalar(UInt32(unit)) ?? "\u{FFFD}")
                        }
                    default:
                        index -= 1
                        throw error("unknown escape `\\\(Character(Unicode.Scalar(escape)))` in a string")
                    }
                    runStart = index
                case 0x00..<0x20:
                    throw error(
                        byte == 0x0A
                            ? "a string runs past the end of its line (a missing closing quote?)"
                            : "a control character inside a string")
                default:
                    index += 1
                }
            }
            throw error("the text ends inside a string (a missing closing quote?)")
        }

        mutating func hex4() throws(ParseError) -> UInt16 {
            guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else {
                    throw error("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }
    }
}
