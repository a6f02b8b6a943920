import Foundation
import Yams

/// A YAML node that remembers which file, line and key it came from, so every
/// accessor can fail with a `ConfigError` a person can act on.
struct ConfigNode {
    let node: Node
    let file: ConfigFile
    /// Dotted path from the document root; empty for the root.
    let keyPath: String

    var line: Int? { node.mark?.line }
    var column: Int? { node.mark?.column }

    func error(_ message: String) -> ConfigError {
        ConfigError(
            file: file.displayPath, line: line, column: column,
            key: keyPath.isEmpty ? nil : keyPath, message: message)
    }

    /// The node as a mapping whose keys must all be in `allowed`; an unknown key is
    /// almost always a typo, and silently ignoring it is how settings go missing.
    func mapping(allowing allowed: Set<String>) throws(ConfigError) -> ConfigMapping {
        guard let mapping = node.mapping else {
            throw error("expected a mapping of keys to values, found \(kindDescription)")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                throw ConfigNode(node: keyNode, file: file, keyPath: keyPath).error("keys must be plain text")
            }
            if !allowed.contains(key) {
                let child = keyPath.isEmpty ? key : "\(keyPath).\(key)"
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigNode(node: keyNode, file: file, keyPath: child)
                    .error("unknown key (known keys here: \(known))")
            }
            entries.append((key, keyNode, value))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// A group of this system, by name or numeric gid.
    func group() throws(ConfigError) -> gid_t {
        let name = try string()
        if let number = gid_t(name) { return number }
        if let entry = getgrnam(name) { return entry.pointee.gr_gid }
        throw error("no group \"\(name)\" on this system (create it with groupadd, or give a numeric gid)")
    }

    /// The node as a list.
    func sequence() throws(ConfigError) -> [ConfigNode] {
        guard let sequence = node.sequence else {
            throw error("expected a list, found \(kindDescription)")
        }
        return sequence.enumerated().map { index, item in
            ConfigNode(node: item, file: file, keyPath: "\(keyPath).\(index + 1)")
        }
    }

    /// The node as plain text.
    func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar else {
            throw error("expected a single value, found \(kindDescription)")
        }
        return scalar.string
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("\"\(text)\" is not a whole number")
        }
        guard range.contains(value) else {
            throw error("\(value) is out of range (\(range.lowerBound)…\(range.upperBound))")
        }
        return value
    }

    /// A path, resolved against the folder of the file that names it (PRODUCT.md §10).
    func path() throws(ConfigError) -> URL {
        let text = try string()
        guard !text.isEmpty else { throw error("a path may not be empty") }
        return file.resolve(text)
    }

    private var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return "\"\(scalar.string)\""
        case .alias: return "an alias"
        }
    }
}

/// The keys of one mapping, each fetched with a typed accessor.
struct ConfigMapping {
    let owner: ConfigNode
    let entries: [(key: String, keyNode: Node, value: Node)]

    subscript(_ key: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        let path = owner.keyPath.isEmpty ? key : "\(owner.keyPath).\(key)"
        return ConfigNode(node: entry.value, file: owner.file, keyPath: path)
    }

    func require(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let node = self[key] else {
            let path = owner.keyPath.isEmpty ? key : "\(owner.keyPath).\(key)"
            throw ConfigError(
                file: owner.file.displayPath, line: owner.line, column: owner.column, key: path,
                message: "missing required key")
        }
        return node
    }
}

/// A config file on disk: where it is, how to show it, how to resolve paths it names.
struct ConfigFile {
    let url: URL
    let displayPath: String

    init(url: URL) {
        self.url = Self.lexicallyNormalized(url)
        // Show paths the way the user is likely to have typed them.
        let cwd = FileManager.default.currentDirectoryPath
        let full = self.url.path
        if full.hasPrefix(cwd + "/") {
            displayPath = String(full.dropFirst(cwd.count + 1))
        } else {
            displayPath = full
        }
    }

    var folder: URL { url.deletingLastPathComponent() }

    func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return Self.lexicallyNormalized(URL(fileURLWithPath: expanded)) }
        return Self.lexicallyNormalized(folder.appendingPathComponent(expanded))
    }

    /// `url` with `.` and `..` removed by reading the path as text, never by asking
    /// the file system. Foundation's `standardizedFileURL` resolves symbolic links
    /// while it removes `..`, so `Config/tenants/../../Inbox/retail-jp` would come
    /// back as wherever a link at `Inbox/retail-jp` points (another tenant's
    /// archive, say) and the inbox's `O_NOFOLLOW` open would never see the link.
    public static func lexicallyNormalized(_ url: URL) -> URL {
        URL(fileURLWithPath: lexicallyNormalized(url.path))
    }

    public static func lexicallyNormalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Reads and composes the file; YAML syntax errors keep libyaml's line and column.
    func root() throws(ConfigError) -> ConfigNode {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError(file: displayPath, message: "cannot read the file: \(Self.reason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: displayPath, message: "the file is not UTF-8 text")
        }
        let node: Node?
        do {
            // The basic resolver: every scalar stays text (ConfigNode reads numbers, times and
            // names itself), which spares a regular-expression match per scalar — most of
            // the start-up of every command, with a checklist of a thousand lines (issue 11).
            node = try Yams.compose(yaml: text, .basic)
        } catch let yamlError as YamlError {
            throw Self.locate(yamlError, in: displayPath)
        } catch {
            throw ConfigError(file: displayPath, message: "not valid YAML: \(error)")
        }
        guard let node else {
            throw ConfigError(file: displayPath, message: "the file is empty")
        }
        return ConfigNode(node: node, file: self, keyPath: "")
    }

    private static func locate(_ error: YamlError, in file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ConfigError(
                file: file, line: mark.line, column: mark.column, message: "not valid YAML: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().joined(separator: ", ")
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column, key: keys,
                message: "the same key appears twice")
        default:
            return ConfigError(file: file, message: "not valid YAML: \(error)")
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}
