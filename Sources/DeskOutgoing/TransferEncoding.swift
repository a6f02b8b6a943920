import Foundation

/// The content transfer encodings the desk writes (RFC 2045 §6): the output is
/// 7-bit ASCII in CRLF lines of at most 76 characters, so every mail system
/// carries it unchanged, whatever the text or the attachment holds.
enum TransferEncoding: String {
    case quotedPrintable = "quoted-printable"
    case base64

    /// The encoding and the encoded lines for a UTF-8 text body.
    ///
    /// Line endings become CRLF (lone CR and LF too) and the text ends with one.
    /// Quoted-printable when non-ASCII bytes are fewer than a fifth of the ASCII
    /// ones (where it is the shorter of the two and stays readable), base64
    /// otherwise (Japanese prose).
    static func encodeText(_ text: String) -> (encoding: TransferEncoding, lines: String) {
        let bytes = normalizedLines(text)
        let nonASCII = bytes.count { $0 >= 0x80 }
        if nonASCII * 5 < bytes.count - nonASCII {
            return (.quotedPrintable, quotedPrintable(bytes))
        }
        return (.base64, base64(bytes))
    }

    /// `text` as UTF-8 with CRLF line endings, ending with CRLF.
    static func normalizedLines(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let input = Array(text.utf8)
        output.reserveCapacity(input.count + input.count / 16 + 2)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == 0x0D || byte == 0x0A {
                output += [0x0D, 0x0A]
                if byte == 0x0D, index + 1 < input.count, input[index + 1] == 0x0A { index += 1 }
            } else {
                output.append(byte)
            }
            index += 1
        }
        if output.count < 2 || output.suffix(2) != [0x0D, 0x0A] { output += [0x0D, 0x0A] }
        return output
    }

    /// Base64 in lines of 76 characters, each ending with CRLF.
    static func base64(_ bytes: [UInt8]) -> String {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var output = ""
        output.reserveCapacity(encoded.count + encoded.count / 38 + 2)
        var start = 0
        while start < encoded.count {
            let end = min(start + 76, encoded.count)
            output += String(decoding: encoded[start..<end], as: UTF8.self) + "\r\n"
            start = end
        }
        return output
    }

    /// Quoted-printable for CRLF-terminated `bytes` (RFC 2045 §6.7).
    ///
    /// Encoded lines are at most 76 characters, a soft break's `=` included, and a
    /// soft break never splits an `=XX`. Trailing white space of a line is encoded.
    /// So that no mail system rewrites the text on the way, a line never starts
    /// with `.` (SMTP's end of data, on broken relays) or `From ` (mbox's `>From `):
    /// their first character is encoded.
    static func quotedPrintable(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 11 / 10 + 4)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd + 1 < bytes.count, !(bytes[lineEnd] == 0x0D && bytes[lineEnd + 1] == 0x0A) { lineEnd += 1 }
            encodeLine(bytes[lineStart..<lineEnd], into: &output)
            output += [0x0D, 0x0A]
            lineStart = lineEnd + 2
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var column = 0
        for index in line.indices {
            let isLast = index == line.index(before: line.endIndex)
            var token = token(line, at: index, isLast: isLast, atLineStart: column == 0)
            // The `=` of a soft break takes column 76, so a token may reach it only
            // when it ends the line.
            let limit = isLast ? 76 : 75
            if column + token.count > limit {
                output += Array("=\r\n".utf8)
                column = 0
                token = self.token(line, at: index, isLast: isLast, atLineStart: true)
            }
            output += token
            column += token.count
        }
    }

    /// One byte of `line`, as it is or as `=XX`.
    private static func token(_ line: ArraySlice<UInt8>, at index: Int, isLast: Bool, atLineStart: Bool) -> [UInt8] {
        let byte = line[index]
        var literal: Bool
        switch byte {
        case 0x20, 0x09: literal = !isLast
        case 0x3D: literal = false
        case 0x21...0x7E: literal = true
        default: literal = false
        }
        if literal, atLineStart {
            if byte == UInt8(ascii: ".") { literal = false }
            if byte == UInt8(ascii: "F"), line[index...].starts(with: "From ".utf8) { literal = false }
        }
        if literal { return [byte] }
        let hex = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
    }
}
