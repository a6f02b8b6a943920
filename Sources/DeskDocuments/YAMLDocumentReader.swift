import DeskCore
import Yams

/// YAML → the intermediate tree, with every value's line (Yams' node marks).
///
/// Protection against alias bombs ("billion laughs"): Yams composes an alias as a
/// reference to the anchored node, so composing stays linear in the input; the
/// expansion happens only when the tree is walked. The walk here counts every node
/// it visits, aliases expanded, and stops at ``DocumentLimits/maxNodes``. The one
/// place where Yams itself walks a whole node is when it hashes mapping keys to find
/// duplicates, so a document that might use an alias as or inside a mapping key is
/// refused before Yams sees it (see ``YAMLAliasScan``).
enum YAMLDocumentReader {
    static func read(
        _ bytes: [UInt8], source: DocumentSource, limits: DocumentLimits, problems: inout [DocumentProblem]
    ) -> DocumentNode? {
        guard let text = DocumentText.unicode(bytes) else {
            let line = DocumentText.firstInvalidUTF8(bytes)?.line ?? 1
            problems.append(
                DocumentProblem(
                    location: source.line(line), message: "the file is not UTF-8 text; save the YAML as UTF-8"))
            return nil
        }
        let scan = YAMLAliasScan(text)
        if scan.aliases > 0, let line = scan.complexKeyLine {
            problems.append(
                DocumentProblem(
                    location: source.line(line),
                    message:
                        "the YAML uses aliases (*name) together with a complex mapping key; a self-assessment needs neither, and such documents are refused to protect the reader"
                ))
            return nil
        }
        let root: Node?
        do {
            // The basic resolver: scalars are typed below, from their style and text,
            // so Yams' YAML 1.1 rules (`no` is false, `2026-03-01` a timestamp) never decide.
            root = try Parser(yaml: text, resolver: .basic).singleRoot()
        } catch let error as YamlError {
            problems.append(describe(error, source: source))
            return nil
        } catch {
            problems.append(
                DocumentProblem(location: source.fileLocation, message: "the YAML could not be read: \(error)"))
            return nil
        }
        guard let root else {
            problems.append(DocumentProblem(location: source.fileLocation, message: "the YAML holds no document"))
            return nil
        }
        var walk = Walk(source: source, limits: limits)
        do throws(LimitError) {
            return try walk.convert(root, depth: 0)
        } catch {
            problems.append(DocumentProblem(location: error.location, message: error.message))
            return nil
        }
    }

    private static func describe(_ error: YamlError, source: DocumentSource) -> DocumentProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return DocumentProblem(
                location: source.line(mark.line, column: mark.column),
                message: "the YAML is not well-formed: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return DocumentProblem(
                location: source.line(context.mark.line),
                message:
                    "the YAML gives the same key twice in one mapping (\(duplicates.joined(separator: ", "))); remove one"
            )
        case .reader(let problem, _, _, _):
            return DocumentProblem(location: source.fileLocation, message: "the YAML could not be read: \(problem)")
        default:
            return DocumentProblem(location: source.fileLocation, message: "the YAML could not be read: \(error)")
        }
    }

    private struct LimitError: Error {
        var location: String?
        var message: String
    }

    /// Converts Yams nodes, counting each visit so aliases cannot multiply the work unseen.
    private struct Walk {
        let source: DocumentSource
        let limits: DocumentLimits
        var visited = 0

        mutating func convert(_ node: Node, depth: Int) throws(LimitError) -> DocumentNode {
            visited += 1
            let location = node.mark.map { source.line($0.line) }
            if visited > limits.maxNodes {
                throw LimitError(
                    location: location,
                    message:
                        "the YAML holds more than \(limits.maxNodes) values (counting what its aliases repeat); it was not read"
                )
            }
            if depth > limits.maxDepth {
                throw LimitError(
                    location: location, message: "the YAML nests deeper than \(limits.maxDepth) levels; it was not read"
                )
            }
            switch node {
            case .scalar(let scalar):
                return DocumentNode(content: .scalar(Self.typed(scalar)), location: location)
            case .sequence(let sequence):
                var items: [DocumentNode] = []
                for item in sequence { items.append(try convert(item, depth: depth + 1)) }
                return DocumentNode(content: .sequence(items), location: location)
            case .mapping(let mapping):
                var entries: [DocumentNode.MappingEntry] = []
                var merged: [DocumentNode.MappingEntry] = []
                for (key, value) in mapping {
                    let keyLocation = key.mark.map { source.line($0.line) }
                    guard case .scalar(let keyScalar) = key else {
                        entries.append(
                            .init(
                                key: "(a \(key.sequence != nil ? "list" : "mapping") used as a key)",
                                keyLocation: keyLocation, value: .null(at: keyLocation)))
                        continue
                    }
                    let converted = try convert(value, depth: depth + 1)
                    if keyScalar.string == "<<", keyScalar.style == .plain {
                        // A merge key (`<<: *defaults`): its keys count where the mapping does not set them.
                        merged += Self.mergeEntries(converted)
                    } else {
                        entries.append(.init(key: keyScalar.string, keyLocation: keyLocation, value: converted))
                    }
                }
                let own = Set(entries.map(\.key))
                var seen = own
                for entry in merged where !seen.contains(entry.key) {
                    seen.insert(entry.key)
                    entries.append(entry)
                }
                return DocumentNode(content: .mapping(entries), location: location)
            case .alias:
                // Yams resolves aliases while composing; an unresolved one is no value.
                return .null(at: location)
            }
        }

        private static func mergeEntries(_ node: DocumentNode) -> [DocumentNode.MappingEntry] {
            switch node.content {
            case .mapping(let entries): return entries
            case .sequence(let items): return items.flatMap(mergeEntries)
            case .scalar: return []
            }
        }

        /// Types a scalar the way a person reads it: quoted text is text; a plain
        /// `true`/`yes`/`no` is a truth value, a plain `2026-03-01` a date, `~`/`null` nothing.
        static func typed(_ scalar: Node.Scalar) -> DocumentScalar {
            let written = scalar.string
            if scalar.tag.rawValue == Tag.Name.str.rawValue || scalar.style != .plain {
                return DocumentScalar(kind: .text, written: written)
            }
            switch written {
            case "", "~", "null", "Null", "NULL":
                return DocumentScalar(kind: .null, written: written)
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
                return DocumentScalar(kind: .bool(true), written: written)
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
                return DocumentScalar(kind: .bool(false), written: written)
            default:
                break
            }
            if let date = LocalDate(iso: written) { return DocumentScalar(kind: .date(date), written: written) }
            if Int(written) != nil || Double(written) != nil { return DocumentScalar(kind: .number, written: written) }
            return DocumentScalar(kind: .text, written: written)
        }
    }
}

/// A cheap look over YAML text, before parsing, for what an alias bomb needs:
/// alias tokens (`*name`), and mapping keys that could be or contain one (an
/// explicit `? ` key, an alias followed by `:`, or a flow collection followed by `:`).
///
/// It ignores quoting and comments on purpose: a scanner that tracked them could be
/// led by a stray quote into missing a key, while one that sees too much only
/// refuses an odd document that has both an alias-like `*word` and a key-like `? `.
/// No self-assessment needs either.
struct YAMLAliasScan {
    private(set) var aliases = 0
    private(set) var complexKeyLine: Int?

    init(_ text: String) {
        var line = 1
        // The last character that was not a space on this line ("\n" at its start).
        var previous: Unicode.Scalar = "\n"
        var afterAliasOrFlowEnd = false
        let scalars = Array(text.unicodeScalars)
        // White space by Unicode's property, ASCII answered without its tables.
        func isBlank(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
        }
        for (index, scalar) in scalars.enumerated() {
            let next: Unicode.Scalar = index + 1 < scalars.count ? scalars[index + 1] : "\n"
            let nextIsBlank = isBlank(next)
            let precededByBlank = index == 0 || isBlank(scalars[index - 1])
            switch scalar {
            case "\n":
                line += 1
                previous = "\n"
                afterAliasOrFlowEnd = false
                continue
            case " ", "\t", "\r":
                continue
            case "*" where !nextIsBlank && (precededByBlank || "[{,:-?".unicodeScalars.contains(previous)):
                aliases += 1
                afterAliasOrFlowEnd = true
            case "]", "}":
                afterAliasOrFlowEnd = true
            case "?" where nextIsBlank && "\n-[{,".unicodeScalars.contains(previous):
                if complexKeyLine == nil { complexKeyLine = line }
            case ":" where afterAliasOrFlowEnd && (nextIsBlank || next == ","):
                if complexKeyLine == nil { complexKeyLine = line }
                afterAliasOrFlowEnd = false
            case ",", "[", "{":
                afterAliasOrFlowEnd = false
            default:
                break
            }
            previous = scalar
        }
    }
}
