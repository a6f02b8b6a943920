import Foundation

/// A mailbox from an address header: `Hanako Sato <hanako@example.com>`.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name, RFC 2047 words decoded; nil when there is none.
    public var displayName: String?
    /// The address as written, e.g. `hanako@example.com` (or a bare
    /// `MAILER-DAEMON`, which bounces do send); empty for the null address of
    /// `Mail Delivery System <>`.
    public var address: String

    /// Creates a mailbox.
    public init(displayName: String? = nil, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// `Name <address>`, the name quoted when it holds RFC 5322 specials;
    /// just the address when there is no name, `<>` for the null address.
    public var formatted: String {
        guard let name = displayName, !name.isEmpty else { return address.isEmpty ? "<>" : address }
        let specials: Set<Character> = ["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", ".", "\""]
        if name.contains(where: { specials.contains($0) }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        return "\(name) <\(address)>"
    }

    /// The formatted mailbox.
    public var description: String { formatted }

    /// The part before the last `@` (the whole address when there is none).
    public var localPart: String {
        guard let at = address.lastIndex(of: "@") else { return address }
        return String(address[..<at])
    }

    /// The part after the last `@`, lowercased; nil when there is none.
    public var domain: String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...]
        return domain.isEmpty ? nil : domain.lowercased()
    }
}

extension MailAddress {
    /// Reads an address-list header value (From, To, Cc, Reply-To): mailboxes
    /// with or without display names, quoted names, comments, groups
    /// (`team: a@x, b@y;`), obsolete routes, and RFC 2047 words in names
    /// (also inside quotes, where the RFC forbids them but mailers put them).
    /// Entries without an address are left out, except a named null address
    /// (`MAILER-DAEMON <>`), which gives a mailbox with an empty address.
    public static func parseList(_ value: String) -> [MailAddress] {
        var ignored: [String] = []
        return parseList(value, problems: &ignored)
    }

    /// `parseList(_:)`, adding what was damaged in display names (broken
    /// encoded words, bad bytes) to `problems`.
    static func parseList(_ value: String, problems: inout [String]) -> [MailAddress] {
        var result: [MailAddress] = []
        var current: [AddressToken] = []
        var insideAngle = false
        for token in AddressToken.tokenize(value) {
            switch token {
            case .special(","), .special(";"):
                if insideAngle {
                    current.append(token)  // a route list: <@a,@b:user@host>
                } else {
                    if let mailbox = mailbox(from: current, problems: &problems) { result.append(mailbox) }
                    current = []
                }
            case .special("<"):
                insideAngle = true
                current.append(token)
            case .special(">"):
                insideAngle = false
                current.append(token)
            case .special(":")
            where !insideAngle && !current.contains(.special("<")) && !current.contains(.special("@")):
                current = []  // `group name:` starts a group; the name is not an address
            default:
                current.append(token)
            }
        }
        if let mailbox = mailbox(from: current, problems: &problems) { result.append(mailbox) }
        return result
    }

    /// Whether a header value is the null reverse-path of RFC 5321 bounces, `<>`
    /// (spaces and comments aside: `< >`, `<> (bounce)`), or qmail's spelling of
    /// it, `<#@[]>`. A value that is empty or names anybody is not.
    public static func isNullPath(_ value: String) -> Bool {
        let tokens = AddressToken.tokenize(value).filter { if case .comment = $0 { false } else { true } }
        guard tokens.first == .special("<"), tokens.last == .special(">"), tokens.count >= 2 else {
            return addressText(tokens[...]) == qmailNullPath
        }
        let inside = tokens.dropFirst().dropLast()
        return inside.isEmpty || addressText(inside) == qmailNullPath
    }

    /// How qmail writes the null reverse-path in `Return-Path:`.
    static let qmailNullPath = "#@[]"

    private static func mailbox(from tokens: [AddressToken], problems: inout [String]) -> MailAddress? {
        if let open = tokens.firstIndex(of: .special("<")) {
            let close = tokens[open...].firstIndex(of: .special(">")) ?? tokens.endIndex
            var inside = tokens[(open + 1)..<close]
            if let routeEnd = inside.lastIndex(of: .special(":")) {
                inside = inside[(routeEnd + 1)...]
            }
            let address = addressText(inside)
            let name = displayName(phrase: tokens[..<open], problems: &problems)
            // `Mail Delivery System <>`: the null address of bounces (RFC 5321's
            // null reverse-path), kept with its name and an empty address. A bare
            // `<>` names nobody and is left out.
            guard !address.isEmpty || (name != nil && inside.isEmpty) else { return nil }
            return MailAddress(displayName: name, address: address)
        }
        // A bare addr-spec, perhaps with a comment (`a@x (Name)`),
        // or words before it (`Name a@x`, broken but seen).
        let meaningful = tokens.filter { if case .comment = $0 { false } else { true } }
        guard !meaningful.isEmpty else { return nil }
        var addressTokens = meaningful[...]
        var phrase: ArraySlice<AddressToken> = []
        if let at = meaningful.firstIndex(of: .special("@")), at > 0 {
            let start = at - 1
            phrase = meaningful[..<start]
            // `local@domain` and no more: a second address written after it
            // without a comma (`a@x b@y`) is not glued on.
            addressTokens = meaningful[start..<min(at + 2, meaningful.endIndex)]
        }
        let address = addressText(addressTokens)
        guard !address.isEmpty else { return nil }
        // A comment after a bare address (`a@x (Name)`) is not a display name in
        // RFC 5322, and Python's email (the conformance reference) agrees.
        let name = displayName(phrase: phrase, problems: &problems)
        return MailAddress(displayName: name, address: address)
    }

    private static func displayName(phrase: ArraySlice<AddressToken>, problems: inout [String]) -> String? {
        var words: [String] = []
        var glueNext = false
        for token in phrase {
            switch token {
            case .word(let text), .quoted(let text):
                if glueNext, let last = words.popLast() {
                    words.append(last + text)
                } else {
                    words.append(text)
                }
                glueNext = false
            case .special("@"):
                // An unquoted address used as a name (`a@x <b@y>`) keeps its `@`.
                if let last = words.popLast() { words.append(last + "@") } else { words.append("@") }
                glueNext = true
            default: break
            }
        }
        let decoded = EncodedWords.decode(words.joined(separator: " "))
        problems.append(contentsOf: decoded.problems)
        let text = decoded.text.trimmingASCIIWhitespace
        return text.isEmpty ? nil : text
    }

    private static func addressText(_ tokens: ArraySlice<AddressToken>) -> String {
        var text = ""
        for token in tokens {
            switch token {
            case .word(let word): text += word
            case .quoted(let local): text += "\"\(local)\""
            case .special("@"): text += "@"
            default: break
            }
        }
        return text
    }
}

/// A lexical unit of an RFC 5322 address header.
enum AddressToken: Hashable {
    /// An atom or dot-atom, or a `[domain literal]`.
    case word(String)
    /// The content of a quoted string, escapes removed.
    case quoted(String)
    /// The content of a comment, nesting flattened.
    case comment(String)
    /// One of `< > @ , ; :`.
    case special(Unicode.Scalar)

    static func tokenize(_ text: String) -> [AddressToken] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [AddressToken] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\r", "\n":
                index += 1
            case "\"":
                var content = String.UnicodeScalarView()
                index += 1
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                    content.append(scalars[index])
                    index += 1
                }
                index += 1  // the closing quote, if any
                tokens.append(.quoted(String(content)))
            case "(":
                var content = String.UnicodeScalarView()
                var depth = 1
                index += 1
                while index < scalars.count, depth > 0 {
                    let inner = scalars[index]
                    if inner == "\\", index + 1 < scalars.count {
                        index += 1
                        content.append(scalars[index])
                    } else if inner == "(" {
                        depth += 1
                        content.append(inner)
                    } else if inner == ")" {
                        depth -= 1
                        if depth > 0 { content.append(inner) }
                    } else {
                        content.append(inner)
                    }
                    index += 1
                }
                tokens.append(.comment(String(content)))
            case ")":
                index += 1  // a stray closing parenthesis: nothing to read
            case "<", ">", "@", ",", ";", ":":
                tokens.append(.special(scalar))
                index += 1
            case "[":
                var content = String.UnicodeScalarView()
                while index < scalars.count {
                    content.append(scalars[index])
                    index += 1
                    if content.last == "]" { break }
                }
                tokens.append(.word(String(content)))
            default:
                var content = String.UnicodeScalarView()
                while index < scalars.count, !Self.endsWord(scalars[index]) {
                    content.append(scalars[index])
                    index += 1
                }
                tokens.append(.word(String(content)))
            }
        }
        return tokens
    }

    private static func endsWord(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\r", "\n", "\"", "(", ")", "<", ">", "@", ",", ";", ":", "[": true
        default: false
        }
    }
}
