import DeskCore

extension TemplateForm {
    /// The canonical YAML form with empty values and a comment on every key.
    func yaml() -> String {
        var lines = words.instructions.map { "# " + $0 }
        lines.append("")
        for node in nodes {
            if case .value = node.shape {} else { lines.append("") }
            lines += Self.yamlLines(node, indent: 0)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Comments start at this column when the key leaves room, so they read as a column.
    private static let commentColumn = 44

    private static func yamlLines(_ node: Node, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch node.shape {
        case .value(let preset):
            return [commented(pad + node.key + ":" + (preset.map { " " + yamlScalar($0) } ?? ""), node.help)]
        case .group(let children):
            return [commented(pad + node.key + ":", node.help)]
                + children.flatMap { yamlLines($0, indent: indent + 2) }
        case .list(let heading, let items):
            var lines = [commented(pad + node.key + ":", node.help)]
            for (offset, item) in items.enumerated() {
                lines.append(pad + "  # ── \(oneLine(heading)) \(offset + 1) ──")
                var itemLines = item.flatMap { yamlLines($0, indent: indent + 4) }
                if !itemLines.isEmpty {
                    // `- ` takes the place of the first key's indentation.
                    itemLines[0] = pad + "  - " + itemLines[0].dropFirst(indent + 4)
                }
                lines += itemLines
            }
            return lines
        case .technicalItem:
            return [commented(pad + node.key + ": {answer: , evidence: }", node.help)]
        }
    }

    private static func commented(_ text: String, _ help: String?) -> String {
        guard let help, !help.isEmpty else { return text }
        let gap = max(1, commentColumn - text.count)
        return text + String(repeating: " ", count: gap) + "# " + oneLine(help)
    }

    /// A comment runs to the end of its line: line breaks in a title would end it.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// A value as plain YAML when it cannot be misread, else double-quoted (JSON's
    /// quoting is valid YAML).
    static func yamlScalar(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "-_./".unicodeScalars.contains($0)
            }
            && value.first.map { $0.isLetter } == true
            && !["true", "false", "yes", "no", "on", "off", "null"].contains(value.lowercased())
        return plain ? value : JSONValue.string(value).jsonText
    }
}
