/// Decodes MIME parameter values the way senders write them: RFC 2231
/// (`name*=charset'lang'%XX…`, continuations `name*0*=`, `name*1=` in any
/// order) and the older, non-standard RFC 2047 encoded words inside a quoted
/// value (`name="=?ISO-2022-JP?B?…?="`), which Outlook and most Japanese mail
/// programs still send.
enum MIMEParameters {
    /// The decoded value of parameter `name` among `parameters` (names
    /// lowercased, as `ParameterScanner` gives them), or nil when absent.
    ///
    /// The RFC 2231 forms (`name*=`, `name*0*=` …) win over a plain `name=`
    /// written beside them: senders that write both (Outlook, Apple Mail, most
    /// libraries) put the real name in the RFC 2231 value and a lossy ASCII
    /// fallback (`????.pdf`, `_.csv`) in the plain one, for old readers.
    static func value(
        named name: String, in parameters: [ContentType.Parameter], problems: inout [String]
    ) -> String? {
        extendedValue(named: name, in: parameters, problems: &problems)
            ?? plainValue(named: name, in: parameters, problems: &problems)
    }

    /// The plain `name=` value, RFC 2047 words in it decoded; nil when absent.
    static func plainValue(
        named name: String, in parameters: [ContentType.Parameter], problems: inout [String]
    ) -> String? {
        let lowered = name.lowercased()
        return parameters.first(where: { $0.name == lowered }).map { decodeEncodedWords($0.value, problems: &problems) }
    }

    /// The value of the RFC 2231 forms of `name` (`name*`, or the continuations
    /// `name*N` / `name*N*`) joined and decoded; nil when there are none.
    static func extendedValue(
        named name: String, in parameters: [ContentType.Parameter], problems: inout [String]
    ) -> String? {
        let lowered = name.lowercased()
        // RFC 2231 forms: `name*` (one extended value) or `name*N` / `name*N*`.
        struct Segment {
            var number: Int
            var value: String
            var extended: Bool
        }
        var segments: [Segment] = []
        let prefix = lowered + "*"
        for parameter in parameters where parameter.name.hasPrefix(prefix) {
            var rest = parameter.name.dropFirst(prefix.count)
            if rest.isEmpty {
                segments.append(Segment(number: -1, value: parameter.value, extended: true))
                continue
            }
            var extended = false
            if rest.hasSuffix("*") {
                extended = true
                rest = rest.dropLast()
            }
            guard !rest.isEmpty, rest.utf8.count <= 6, rest.utf8.allSatisfy({ $0.isASCIIDigit }),
                let number = Int(rest)
            else { continue }
            segments.append(Segment(number: number, value: parameter.value, extended: extended))
        }
        guard !segments.isEmpty else { return nil }
        // Continuations may come in any order; the first of a duplicated number counts.
        segments.sort { $0.number < $1.number }
        var seen = Set<Int>()
        segments = segments.filter { seen.insert($0.number).inserted }

        var charsetLabel: String?
        var bytes: [UInt8] = []
        // Consecutive extended segments are percent-decoded together, so an
        // escape split across two of them (`…%E`, `8%A1…`) still decodes.
        var pendingEncoded: [UInt8] = []
        var anyExtended = false
        for (position, segment) in segments.enumerated() {
            var text = Array(segment.value.utf8)
            if segment.extended {
                anyExtended = true
                if position == 0 {
                    // `charset'language'value`; both may be empty.
                    let quotes = text.indices.filter { text[$0] == 0x27 }.prefix(2)
                    if quotes.count == 2 {
                        let label = String(decoding: text[..<quotes[0]], as: UTF8.self)
                        charsetLabel = label.isEmpty ? nil : label
                        text = Array(text[(quotes[1] + 1)...])
                    }
                }
                pendingEncoded.append(contentsOf: text)
            } else {
                bytes.append(contentsOf: percentDecoded(pendingEncoded))
                pendingEncoded.removeAll()
                bytes.append(contentsOf: text)
            }
        }
        bytes.append(contentsOf: percentDecoded(pendingEncoded))

        guard anyExtended else {
            return decodeEncodedWords(String(decoding: bytes, as: UTF8.self), problems: &problems)
        }
        let decoded: DecodedText
        if let charsetLabel, let charset = Charset(label: charsetLabel) {
            decoded = charset.decode(bytes)
        } else if !bytes.contains(where: { $0 >= 0x80 }) {
            decoded = DecodedText(text: String(decoding: bytes, as: UTF8.self))
        } else {
            let context =
                charsetLabel.map { "the \(name) parameter names the unknown charset '\($0)'" }
                ?? "the \(name) parameter has no charset"
            decoded = Charset.decodeUndeclared(bytes, context: context)
        }
        problems.append(contentsOf: decoded.problems.map { "\(name) parameter: \($0)" })
        return decoded.text
    }

    /// `%XX` escapes to bytes; a `%` not followed by two hex digits is kept.
    static func percentDecoded(_ text: [UInt8]) -> [UInt8] {
        guard text.contains(0x25) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == 0x25, index + 2 < text.count, let high = text[index + 1].hexDigitValue,
                let low = text[index + 2].hexDigitValue
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }

    private static func decodeEncodedWords(_ value: String, problems: inout [String]) -> String {
        let decoded = EncodedWords.decode(value)
        problems.append(contentsOf: decoded.problems)
        return decoded.text
    }
}

/// A parsed `Content-Disposition` value (RFC 2183): `attachment; filename=…`.
struct ContentDisposition {
    /// The disposition type, lowercased: `inline`, `attachment`, or whatever was written.
    var type: String?
    /// The parameters, names lowercased, values as written (not yet RFC 2231-decoded).
    var parameters: [ContentType.Parameter]

    init(parsing value: String) {
        var scanner = ParameterScanner(Array(value.utf8))
        type = scanner.token()?.lowercased()
        parameters = scanner.parameters()
    }
}
