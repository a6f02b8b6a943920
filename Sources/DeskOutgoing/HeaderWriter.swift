import Foundation

/// Writes one header field, folding it so that no line exceeds 78 octets
/// wherever the pieces allow (RFC 5322 §2.1.1), and encoding non-ASCII text as
/// RFC 2047 encoded words.
///
/// A field is built from pieces that are never broken (an atom, a quoted word,
/// `<addr>,`, an encoded word), each written after one space; the writer folds
/// (CRLF + that space) before a piece that would not fit on the line. Unfolding
/// (removing the CRLF) gives back exactly the pieces joined by single spaces.
/// The writer never sees a control character: callers pass text through
/// `HeaderText.sanitized(_:)` first, so nothing a value holds can end the line
/// and start another header.
struct HeaderWriter {
    /// The line length RFC 5322 asks for (the hard limit, 998, is never approached
    /// by the desk's own pieces).
    static let lineLimit = 78
    /// The longest encoded word RFC 2047 §2 allows.
    static let encodedWordLimit = 75
    /// `=?UTF-8?B?` and `?=`.
    private static let encodedWordOverhead = 12
    /// The most UTF-8 bytes one 75-character B word carries: 60 base64 characters.
    static let encodedWordCapacity = (encodedWordLimit - encodedWordOverhead) / 4 * 3

    private var lines: [String] = []
    private var line: String
    /// Pieces on the current line (a fold before the first piece of a line is pointless).
    private var piecesOnLine = 0
    /// Whether the value may start on the next line (`To:` CRLF ` <long@address>`).
    private let mayFoldFirst: Bool

    /// A field named `name` (`Subject`); the value follows with `append`.
    ///
    /// `mayFoldFirst`: a piece too long for the first line may go to the next,
    /// leaving the field name alone on its line. Only for structured fields
    /// (addresses, message ids), where white space before the value is not part
    /// of it, nor in a MIME type; in a Subject it would be.
    init(name: String, mayFoldFirst: Bool = false) {
        line = name + ":"
        self.mayFoldFirst = mayFoldFirst
    }

    /// Appends `piece` after one space, folding first when it would not fit and
    /// folding helps. An empty piece adds only the space, never a fold: a line of
    /// nothing but white space is not allowed.
    mutating func append(_ piece: String) {
        let length = piece.utf8.count
        let firstPiece = lines.isEmpty && piecesOnLine == 0
        if !piece.isEmpty, line.utf8.count + 1 + length > Self.lineLimit,
            firstPiece ? mayFoldFirst && 1 + length <= Self.lineLimit : piecesOnLine > 0
        {
            fold()
        }
        line += " " + piece
        piecesOnLine += 1
    }

    /// Appends `text` as one encoded word when it fits in one (≤ 45 UTF-8 bytes),
    /// otherwise as several (`appendEncodedWords`). Display names use this: Python's
    /// `email.policy.default` reads the space between two encoded words of a
    /// *phrase* as a space, against RFC 2047 §6.2, so a name is split only when it must be.
    mutating func appendEncodedPhrase(_ text: String) {
        if text.utf8.count <= Self.encodedWordCapacity {
            append(Self.encodedWord(Array(text.utf8)))
        } else {
            appendEncodedWords(text)
        }
    }

    /// Appends `text` as encoded words, each as long as the room left on its line
    /// allows (at most 75 characters), split only between characters (never
    /// inside a UTF-8 sequence, and between grapheme clusters when they fit),
    /// folded between words. Decoders join adjacent encoded words without the
    /// folding white space (RFC 2047 §6.2), so the text comes back exactly.
    mutating func appendEncodedWords(_ text: String) {
        let units = Self.units(of: text)
        var index = 0
        while index < units.count {
            var room = min(Self.encodedWordLimit, Self.lineLimit - line.utf8.count - 1)
            if Self.capacity(ofWordLength: room) < units[index].count {
                fold()
                room = Self.encodedWordLimit
            }
            let capacity = Self.capacity(ofWordLength: room)
            var bytes: [UInt8] = []
            while index < units.count, bytes.count + units[index].count <= capacity {
                bytes += units[index]
                index += 1
            }
            line += " " + Self.encodedWord(bytes)
            piecesOnLine += 1
        }
    }

    /// The field: every line ends with CRLF.
    func finish() -> String {
        (lines + [line]).map { $0 + "\r\n" }.joined()
    }

    private mutating func fold() {
        lines.append(line)
        line = ""
        piecesOnLine = 0
    }

    /// `=?UTF-8?B?…?=` for `bytes`.
    static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// How many UTF-8 bytes fit in a B word of `length` characters.
    private static func capacity(ofWordLength length: Int) -> Int {
        max(0, (length - encodedWordOverhead) / 4 * 3)
    }

    /// `text` cut into the pieces an encoded word may end between: grapheme
    /// clusters, or the scalars of a cluster too long for one word.
    private static func units(of text: String) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= encodedWordCapacity {
                units.append(bytes)
            } else {
                units += character.unicodeScalars.map { Array(String($0).utf8) }
            }
        }
        return units
    }
}

/// Rules for the text that goes into header fields.
enum HeaderText {
    /// `text` with every control character (CR, LF, NUL, TAB, the rest of C0,
    /// DEL, C1, U+2028/U+2029) replaced by a space: a value can never end its
    /// line and start another header, whatever it holds.
    static func sanitized(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            result.append(Mailbox.isControl(scalar) ? " " : scalar)
        }
        return String(result)
    }

    /// An unstructured field (Subject, the extra headers): plain words folded at
    /// spaces when the text is printable ASCII in words of at most 60 characters
    /// and has no `=?` a reader would take for an encoded word; otherwise the
    /// whole value as encoded words.
    static func unstructured(name: String, value: String) -> String {
        let text = sanitized(value)
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        var writer = HeaderWriter(name: name)
        let plain =
            text.unicodeScalars.allSatisfy { $0.value < 0x7F } && !text.contains("=?")
            && words.allSatisfy { $0.utf8.count <= 60 }
        if plain {
            for word in words { writer.append(String(word)) }
        } else {
            writer.appendEncodedWords(text)
        }
        return writer.finish()
    }

    /// An address field (From, To, Cc, Reply-To): the mailboxes separated by
    /// commas, folded between words.
    static func addressList(name: String, _ mailboxes: [Mailbox]) -> String {
        var writer = HeaderWriter(name: name, mayFoldFirst: true)
        for (position, mailbox) in mailboxes.enumerated() {
            let comma = position < mailboxes.count - 1 ? "," : ""
            let address = safeAddress(mailbox.address)
            guard let name = mailbox.displayName.map(sanitized)?.trimmingSpaces, !name.isEmpty else {
                writer.append(address + comma)
                continue
            }
            for piece in phrase(String(name)) {
                switch piece {
                case .plain(let word): writer.append(word)
                case .encoded(let run): writer.appendEncodedPhrase(run)
                }
            }
            writer.append("<" + address + ">" + comma)
        }
        return writer.finish()
    }

    /// A piece of a display name: written as it is, or as encoded words.
    enum PhrasePiece: Equatable {
        case plain(String)
        case encoded(String)
    }

    /// How a display name is written.
    /// - ASCII atoms separated by single spaces: as they are (`Hanako Sato`).
    /// - Other ASCII: a quoted string, `\` and `"` escaped, cut at its spaces so it
    ///   can fold there (`"Sato, Hanako"`).
    /// - ASCII with a word over 60 characters, which could not fold: as non-ASCII.
    /// - Non-ASCII fitting one encoded word: that word.
    /// - Longer non-ASCII: ASCII atoms stay plain and each run of other words
    ///   becomes encoded words (`AWS =?UTF-8?B?…?=`), so encoded words rarely sit
    ///   side by side (see `HeaderWriter.appendEncodedPhrase`).
    static func phrase(_ name: String) -> [PhrasePiece] {
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        // A word longer than 60 characters could not fold: it goes into encoded words.
        func isAtom(_ word: Substring) -> Bool {
            !word.isEmpty && word.utf8.count <= 60 && word.utf8.allSatisfy(Mailbox.isAtext) && !word.contains("=?")
        }
        if name.unicodeScalars.allSatisfy({ $0.value < 0x7F }) {
            if words.allSatisfy(isAtom) { return words.map { .plain(String($0)) } }
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let quoted = ("\"" + escaped + "\"").split(separator: " ", omittingEmptySubsequences: false)
            if quoted.allSatisfy({ $0.utf8.count <= 60 }) { return quoted.map { .plain(String($0)) } }
        }
        if name.utf8.count <= HeaderWriter.encodedWordCapacity || words.contains(where: \.isEmpty) {
            return [.encoded(name)]
        }
        var pieces: [PhrasePiece] = []
        var run: [Substring] = []
        for word in words {
            if isAtom(word) {
                if !run.isEmpty { pieces.append(.encoded(run.joined(separator: " "))) }
                run = []
                pieces.append(.plain(String(word)))
            } else {
                run.append(word)
            }
        }
        if !run.isEmpty { pieces.append(.encoded(run.joined(separator: " "))) }
        return pieces
    }

    /// The address as written when it is a well-formed addr-spec. Otherwise (a
    /// `Mailbox` made without `parse`) what comes before the first control
    /// character or space, without `<>,;:()"`: nothing in it can end the mailbox
    /// or the field early, or add a recipient.
    static func safeAddress(_ address: String) -> String {
        if Mailbox.isAddrSpec(address) { return address }
        let unsafe: Set<Unicode.Scalar> = ["<", ">", ",", ";", ":", "(", ")", "\"", " "]
        var result = String.UnicodeScalarView()
        for scalar in address.unicodeScalars {
            if Mailbox.isControl(scalar) || scalar == " " { break }
            if !unsafe.contains(scalar) { result.append(scalar) }
        }
        return String(result)
    }

    /// A message id for `<…>`: printable ASCII without `<`, `>` and spaces.
    static func safeMessageID(_ id: String) -> String {
        String(
            String.UnicodeScalarView(
                id.unicodeScalars.filter { (0x21...0x7E).contains($0.value) && $0 != "<" && $0 != ">" }))
    }

    /// A list of message ids (`In-Reply-To`, `References`), folded between ids.
    static func messageIDList(name: String, _ ids: [String]) -> String {
        var writer = HeaderWriter(name: name, mayFoldFirst: true)
        for id in ids { writer.append("<" + safeMessageID(id) + ">") }
        return writer.finish()
    }

    /// A field whose value is `parameters` (`text/plain`, `charset=UTF-8`, …)
    /// joined by `;`, folded between them.
    static func parameterized(name: String, _ parameters: [String]) -> String {
        var writer = HeaderWriter(name: name, mayFoldFirst: true)
        for (position, parameter) in parameters.enumerated() {
            writer.append(parameter + (position < parameters.count - 1 ? ";" : ""))
        }
        return writer.finish()
    }

    /// A field name for an extra header: printable ASCII without `:`; empty when nothing is left.
    static func safeFieldName(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.filter { (0x21...0x7E).contains($0.value) && $0 != ":" }))
    }
}
