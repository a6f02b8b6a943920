/// Makes a file name from a message safe to use as one path component.
///
/// The name comes from whoever sent the mail, so it may try to escape the
/// folder it is written into (`../../etc/passwd`), hide its real extension
/// (right-to-left override), or be empty. The result never contains `/`,
/// `\`, control characters or `..` path elements, never starts with a dot,
/// is at most `maximumBytes` of UTF-8, and is never empty.
enum SafeFilename {
    /// Leaves room under the common 255-byte file name limit for a prefix
    /// (the archive adds a hash) and a `.part` suffix.
    static let maximumBytes = 200

    /// The name used when nothing usable is left.
    static let fallback = "attachment"

    static func make(from name: String?) -> String {
        guard let name else { return fallback }
        // Path elements: keep the meaningful ones, joined so `a/b` stays readable as `a_b`.
        let elements = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map { element in
            String(element.unicodeScalars.filter { !isUnsafe($0) }.map(Character.init))
                .trimmingCharacters(whereLeadingOrTrailing: { $0 == " " || $0 == "." })
        }.filter { !$0.isEmpty }
        var joined = elements.joined(separator: "_")
        // Leading dots would hide the file; trailing dots and spaces vanish on Windows.
        joined = joined.trimmingCharacters(whereLeadingOrTrailing: { $0 == " " || $0 == "." })
        guard !joined.isEmpty else { return fallback }
        return capped(joined)
    }

    /// C0 and C1 controls, DEL, and the invisible formatting characters that
    /// can make `exe.pdf` display as `fdp.exe`.
    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// Shortens a name to `maximumBytes`, keeping a short extension.
    private static func capped(_ name: String) -> String {
        guard name.utf8.count > maximumBytes else { return name }
        var stem = name
        var suffix = ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let candidate = String(name[dot...])
            if candidate.utf8.count <= 16 {
                suffix = candidate
                stem = String(name[..<dot])
            }
        }
        var result = ""
        var used = suffix.utf8.count
        for character in stem {
            let size = character.utf8.count
            guard used + size <= maximumBytes else { break }
            result.append(character)
            used += size
        }
        return result + suffix
    }
}

extension String {
    /// The string without leading and trailing characters matching `predicate`.
    func trimmingCharacters(whereLeadingOrTrailing predicate: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !predicate($0) }), let last = lastIndex(where: { !predicate($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
