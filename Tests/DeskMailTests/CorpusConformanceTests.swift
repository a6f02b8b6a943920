import DeskMail
import DeskTesting
import Foundation
import Testing

/// Every message of `../shared/corpus/` read by `MessageReader` and by Python's
/// `email` package (the reference), field by field. Runs where the corpus is
/// (a user's clone without `../shared` skips it); python3 is required in CI
/// (`RequiredTool`), elsewhere its absence skips the test too.
///
/// A difference passes only when `Tests/Conformance/justified-differences.tsv`
/// names its file and field *and* pins our value: a later change to that value
/// fails, as does a justification whose difference no longer occurs.
@Suite struct CorpusConformanceTests {
    static let corpus = RepositoryPaths.shared?.appendingPathComponent("corpus")
    static let corpusPresent =
        corpus.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("INDEX.tsv").path) } == true
    static let justifiedFile = RepositoryPaths.root.appendingPathComponent(
        "Tests/Conformance/justified-differences.tsv")

    /// The message files the corpus index lists that are present in this snapshot.
    static func messageFiles() throws -> [String] {
        guard let corpus else { return [] }
        let index = try String(contentsOf: corpus.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        let rows = index.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        guard let header = rows.first, let pathColumn = header.firstIndex(of: "path"),
            let kindColumn = header.firstIndex(of: "kind")
        else {
            return []
        }
        return rows.dropFirst().compactMap { row in
            guard row.count > max(pathColumn, kindColumn), row[kindColumn] == "message" else { return nil }
            let path = corpus.appendingPathComponent(String(row[pathColumn])).path
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
    }

    /// Runs the Python reference once over every file; one JSON object per file.
    static func reference(for files: [String]) throws -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", RepositoryPaths.root.appendingPathComponent("Tests/Conformance/python_email_reference.py").path,
        ]
        let input = Pipe()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pyref-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        input.fileHandleForWriting.write(Data(files.joined(separator: "\n").utf8 + [0x0A]))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: output) }
        var result: [String: [String: Any]] = [:]
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        for line in text.split(separator: "\n") {
            // A line that does not parse leaves its file without a reference: counted as a difference.
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let path = object["path"] as? String
            {
                result[path] = object
            }
        }
        return result
    }

    /// One side's reading of one field: absent, a text, or (attachments) a list
    /// of `name size sha256` lines. Written in the TSV as JSON: `null`, `"text"`, `["…"]`.
    enum Reading: Equatable, CustomStringConvertible {
        case none
        case text(String)
        case list([String])

        init?(json: String) {
            guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
            else {
                return nil
            }
            switch value {
            case is NSNull: self = .none
            case let text as String: self = .text(text)
            case let list as [String]: self = .list(list)
            default: return nil
            }
        }

        /// The JSON form, as the TSV pins it.
        var json: String {
            let value: Any =
                switch self {
                case .none: NSNull()
                case .text(let text): text
                case .list(let list): list
                }
            let data =
                (try? JSONSerialization.data(
                    withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        var description: String { json }
    }

    /// Where the two readings of one field differ.
    struct Difference {
        var ours: Reading
        var theirs: Reading
    }

    /// One justified difference: our value it pins, and why it is right.
    struct Justification {
        var ours: Reading
        var why: String
    }

    /// `path<TAB>field<TAB>ours<TAB>why` lines: differences where Python is the one
    /// that is wrong, each pinning our value (JSON). Malformed lines are returned
    /// apart, so the test can fail on them.
    static func justified() throws -> (entries: [String: [String: Justification]], malformed: [String]) {
        let text = try String(contentsOf: justifiedFile, encoding: .utf8)
        var result: [String: [String: Justification]] = [:]
        var malformed: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let ours = Reading(json: fields[2]), !fields[3].isEmpty else {
                malformed.append(String(line.prefix(120)))
                continue
            }
            result[fields[0], default: [:]][fields[1]] = Justification(ours: ours, why: fields[3])
        }
        return (result, malformed)
    }

    static func normalized(_ value: Any?) -> String? {
        guard let text = value as? String else { return nil }
        let folded = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return folded.isEmpty ? nil : folded
    }

    /// The fields that differ between the reader and the reference for one file.
    static func differences(_ path: String, reference: [String: Any]) -> [String: Difference] {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            return ["file": Difference(ours: .text("unreadable"), theirs: .none)]
        }
        let message: ParsedMessage
        do {
            message = try MessageReader.read(Array(bytes))
        } catch {
            return reference["error"] == nil
                ? ["read": Difference(ours: .text("\(error)"), theirs: .text("a message"))] : [:]
        }
        if reference["error"] != nil { return [:] }
        var differences: [String: Difference] = [:]
        func compare(_ field: String, ours: String?, theirs: Any?) {
            let expected = normalized(theirs)
            let actual = ours.flatMap { normalized($0) }
            if expected != actual {
                differences[field] = Difference(
                    ours: actual.map(Reading.text) ?? .none, theirs: expected.map(Reading.text) ?? .none)
            }
        }
        compare("subject", ours: message.subject, theirs: reference["subject"])
        compare("message_id", ours: message.messageID, theirs: reference["message_id"])
        let from = reference["from_address"] as? [String: Any]
        compare("from.address", ours: message.from?.address, theirs: from?["address"])
        compare("from.name", ours: message.from?.displayName, theirs: from?["name"])
        let theirs = (reference["attachments"] as? [[String: Any]] ?? []).map {
            "\(normalized($0["filename"]) ?? "-") \($0["size"] as? Int ?? -1) \($0["sha256"] as? String ?? "")"
        }
        let ours = message.attachments.map {
            "\($0.filename.flatMap { normalized($0) } ?? "-") \($0.size) \($0.sha256)"
        }
        if ours != theirs { differences["attachments"] = Difference(ours: .list(ours), theirs: .list(theirs)) }
        return differences
    }

    @Test(
        .enabled(if: corpusPresent, "needs ../shared/corpus beside the checkout"),
        .enabled(if: RequiredTool.python3.shouldRun, "needs python3"), .timeLimit(.minutes(10)))
    func agreesWithPythonOnTheCorpus() throws {
        try RequiredTool.python3.require()
        let files = try Self.messageFiles()
        #expect(files.count > 1000, "the corpus index lists its messages")
        let reference = try Self.reference(for: files)
        let (justified, malformed) = try Self.justified()
        #expect(
            malformed.isEmpty, "justification lines that are not path<TAB>field<TAB>ours (JSON)<TAB>why: \(malformed)")
        var agreeing = 0
        var unjustified: [String] = []
        var changed: [String] = []
        var used: Set<String> = []
        // Every difference as a TSV line with its current value, justified or not:
        // the starting point for regenerating the justifications.
        var current: [String] = []
        for path in files {
            let relative = String(path.dropFirst((Self.corpus?.path.count ?? 0) + 1))
            guard let expected = reference[path] else {
                unjustified.append("\(relative)\t-\tno reference output")
                continue
            }
            var remaining: [String] = []
            for (field, difference) in Self.differences(path, reference: expected).sorted(by: { $0.key < $1.key }) {
                let justification = justified[relative]?[field]
                current.append(
                    "\(relative)\t\(field)\t\(difference.ours.json)\t\(justification?.why ?? "UNJUSTIFIED: Python \(difference.theirs.json)")"
                )
                guard let justification else {
                    remaining.append("\(relative)\t\(field)\tours \(difference.ours), Python \(difference.theirs)")
                    continue
                }
                used.insert("\(relative)\t\(field)")
                if justification.ours != difference.ours {
                    changed.append("\(relative)\t\(field)\tpinned \(justification.ours), now \(difference.ours)")
                }
            }
            if remaining.isEmpty {
                agreeing += 1
            } else {
                unjustified.append(contentsOf: remaining)
            }
        }
        let stale = justified.flatMap { path, fields in fields.keys.map { "\(path)\t\($0)" } }
            .filter { !used.contains($0) }.sorted()

        let rate = Double(agreeing) / Double(max(files.count, 1))
        print(
            "corpus conformance: \(agreeing)/\(files.count) agree (\(String(format: "%.2f", rate * 100)) %), \(used.count) justified differences"
        )
        let folder = FileManager.default.temporaryDirectory
        try? (unjustified.joined(separator: "\n") + "\n")
            .write(
                to: folder.appendingPathComponent("corpus-conformance-differences.tsv"), atomically: true,
                encoding: .utf8)
        try? (current.joined(separator: "\n") + "\n")
            .write(
                to: folder.appendingPathComponent("corpus-conformance-current.tsv"), atomically: true, encoding: .utf8)
        print("  all \(unjustified.count) unjustified differences: \(folder.path)/corpus-conformance-differences.tsv")
        print("  every difference with its current value: \(folder.path)/corpus-conformance-current.tsv")
        for line in unjustified.prefix(40) { print("  \(line)") }
        #expect(
            changed.isEmpty,
            "justified differences whose value changed (a regression, or update the pin):\n\(changed.joined(separator: "\n"))"
        )
        #expect(
            stale.isEmpty,
            "justifications for differences that no longer occur (remove them):\n\(stale.joined(separator: "\n"))")
        #expect(rate >= 0.99, "agreement \(String(format: "%.2f", rate * 100)) % is below the 99 % goal")
    }
}
