import DeskTesting
import Foundation

/// Builds exact message bytes in test source, so each test shows the bytes it reads.
enum MessageBytes {
    /// The line endings a message file may use.
    enum LineEnding: String, CaseIterable, Sendable, CustomStringConvertible {
        case crlf = "\r\n"
        case lf = "\n"
        case cr = "\r"

        var description: String {
            switch self {
            case .crlf: "CRLF"
            case .lf: "LF"
            case .cr: "CR"
            }
        }
    }

    /// `lines` joined and terminated by `ending`.
    static func lines(_ lines: [String], ending: LineEnding = .crlf) -> [UInt8] {
        Array(lines.map { $0 + ending.rawValue }.joined().utf8)
    }

    /// A header line whose value is raw bytes (8-bit, not UTF-8), CRLF-terminated.
    static func rawHeader(_ name: String, _ value: [UInt8]) -> [UInt8] {
        Array("\(name): ".utf8) + value + [0x0D, 0x0A]
    }

    /// `text` in a legacy charset, encoded by the C library's iconv (an encoder
    /// independent of the decoders under test).
    static func encoded(_ text: String, as charset: String) throws -> [UInt8] {
        try LegacyEncoding.encode(text, as: charset)
    }
}
