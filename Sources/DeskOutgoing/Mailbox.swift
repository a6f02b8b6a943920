import DeskMail

/// One mailbox the desk writes to or from: `AWS リテール事務局 <office@desk.example.co.jp>`.
///
/// `Mailbox.parse(_:)` is the gate every address from a config file, the
/// partner registry or a partner's document goes through before the desk
/// writes to it: it accepts only a plain, well-formed address. The memberwise
/// initializer does not check; rendering still defangs whatever it is given
/// (see `OutgoingMessage.rendered()`), but only a parsed mailbox is sure to
/// arrive where it says.
public struct Mailbox: Sendable, Hashable, CustomStringConvertible {
    /// The display name, as people read it (not encoded); nil when there is none.
    public var displayName: String?
    /// The addr-spec, e.g. `pdm@partner.example`.
    public var address: String

    /// A mailbox with `address` and an optional display name, taken as given.
    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.displayName = name
    }

    /// The part after the last `@`, lower-cased; empty when there is none.
    public var domain: String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...].lowercased()
    }

    /// `Name <address>` (the name as written, not encoded), or the address alone: for logs and listings.
    public var description: String {
        guard let name = displayName, !name.isEmpty else { return address }
        return "\(name) <\(address)>"
    }
}

extension Mailbox {
    /// The mailbox `text` names, or nil unless it is exactly one well-formed address.
    ///
    /// Accepted: a bare addr-spec (`pdm@partner.example`) or `Name <addr-spec>`,
    /// the name plain (`Hanako Sato`, `佐藤 花子`), quoted (`"Sato, Hanako"`) or
    /// RFC 2047-encoded. The addr-spec must be a dot-atom local part or a simple
    /// quoted string (printable ASCII, no spaces, no escapes), `@`, and a domain
    /// of at least two LDH labels (letters, digits, inner hyphens; 1–63 each; the
    /// last not all digits), within the limits of RFC 5321 (local part 64, domain
    /// 255, whole address 254 octets). Refused: empty text, control characters
    /// anywhere, spaces in the address, source routes (`<@relay:a@b>`), domain
    /// literals, the null address `<>`, lists, groups and comments.
    public static func parse(_ text: String) -> Mailbox? {
        guard !text.unicodeScalars.contains(where: isControl) else { return nil }
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.contains("<") || trimmed.contains(">") else {
            return isAddrSpec(String(trimmed)) ? Mailbox(String(trimmed)) : nil
        }

        // `Name <addr>`: the angle brackets close the text, and the name before
        // them is one phrase (quoted, or words without specials).
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else { return nil }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        guard isAddrSpec(address) else { return nil }
        let phrase = trimmed[..<open].trimmingSpaces
        guard let name = displayName(phrase) else { return nil }
        return Mailbox(address, name: name.isEmpty ? nil : name)
    }

    /// The mailbox of a parsed header address, when that address passes `parse(_:)`.
    public init?(validating mailAddress: MailAddress) {
        guard let checked = Mailbox.parse(mailAddress.address) else { return nil }
        self.init(checked.address, name: mailAddress.displayName.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Whether `text` is one addr-spec as `parse(_:)` describes it.
    static func isAddrSpec(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= 254, bytes.allSatisfy({ (0x21...0x7E).contains($0) }),
            let at = bytes.lastIndex(of: UInt8(ascii: "@"))
        else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), (1...255).contains(domain.count) else { return false }
        return isLocalPart(local) && isDomain(domain)
    }

    private static func isLocalPart(_ local: ArraySlice<UInt8>) -> Bool {
        if local.first == UInt8(ascii: "\"") {
            // A simple quoted string: no escapes, no spaces, something inside.
            guard local.count >= 3, local.last == UInt8(ascii: "\"") else { return false }
            return local.dropFirst().dropLast().allSatisfy { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        // A dot-atom: atoms of atext joined by single dots.
        return local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.allSatisfy(isAtext)
        }
    }

    private static func isDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        let ldh = labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
        // An all-digit top label is an IP address written without brackets, not a domain.
        return ldh && !(labels.last ?? []).allSatisfy { (0x30...0x39).contains($0) }
    }

    /// The display name in `phrase` (empty when there is none), or nil when the
    /// phrase is not one name: unbalanced quotes, specials outside quotes.
    private static func displayName(_ phrase: Substring) -> String? {
        if phrase.first == "\"" {
            var name = ""
            var index = phrase.index(after: phrase.startIndex)
            while index < phrase.endIndex {
                let character = phrase[index]
                if character == "\"" {
                    // The closing quote must end the phrase.
                    return phrase.index(after: index) == phrase.endIndex ? name : nil
                }
                if character == "\\" {
                    index = phrase.index(after: index)
                    guard index < phrase.endIndex else { return nil }
                }
                name.append(phrase[index])
                index = phrase.index(after: index)
            }
            return nil
        }
        let specials: Set<Character> = ["\"", "<", ">", "@", ",", ";", ":", "\\", "(", ")", "[", "]"]
        guard !phrase.contains(where: { specials.contains($0) }) else { return nil }
        // An encoded word may hide a control character; the decoded name is checked too.
        let decoded = EncodedWords.decode(String(phrase))
        guard decoded.problems.isEmpty, !decoded.text.unicodeScalars.contains(where: isControl) else { return nil }
        return decoded.text
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

extension StringProtocol where SubSequence == Substring {
    /// The text without leading and trailing spaces (U+0020 only).
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
