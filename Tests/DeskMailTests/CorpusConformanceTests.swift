import DeskMail
import DeskTesting
import Foundation
import Testing

/// Every message of `../shared/corpus/` read by `MessageReader` and by Python's
/// `email` package (the reference), field by field. Runs only where the corpus
/// and python3 exist; a user's clone skips it.
@Suite struct CorpusConformanceTests {
    static let corpus = RepositoryPaths.shared?.appendingPathComponent("corpus")
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let available = corpus.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("INDEX.tsv").path) } == true
        && python != nil

    /// The message files the corpus index lists that are present in this snapshot.
    static func messageFiles() throws -> [String] {
        guard let corpus else { return [] }
        let index = try String(contentsOf: corpus.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        let rows = index.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        guard let header = rows.first, let pathColumn = header.firstIndex(of: "path"), let kindColumn = header.firstIndex(of: "kind") else {
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
        process.executableURL = URL(fileURLWithPath: python ?? "/usr/bin/python3")
        process.arguments = [RepositoryPaths.root.appendingPathComponent("Tests/Conformance/python_email_reference.py").path]
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
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let path = object["path"] as? String {
                result[path] = object
            }
        }
        return result
    }

    /// `path<TAB>field<TAB>why` lines: differences where Python is the one that is wrong.
    static func justified() throws -> [String: [String: String]] {
        let url = RepositoryPaths.root.appendingPathComponent("Tests/Conformance/justified-differences.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var result: [String: [String: String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
            guard fields.count == 3 else { continue }
            result[fields[0], default: [:]][fields[1]] = fields[2]
        }
        return result
    }

    static func normalized(_ value: Any?) -> String? {
        guard let text = value as? String else { return nil }
        let folded = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return folded.isEmpty ? nil : folded
    }

    /// The fields that differ between the reader and the reference for one file.
    static func differences(_ path: String, reference: [String: Any]) -> [String: String] {
        guard let bytes = FileManager.default.contents(atPath: path) else { return ["file": "unreadable"] }
        let message: ParsedMessage
        do {
            message = try MessageReader.read(Array(bytes))
        } catch {
            return reference["error"] == nil ? ["read": "\(error)"] : [:]
        }
        if reference["error"] != nil { return [:] }
        var differences: [String: String] = [:]
        func compare(_ field: String, ours: String?, theirs: Any?) {
            let expected = normalized(theirs)
            let actual = ours.flatMap { normalized($0) }
            if expected != actual { differences[field] = "ours \(actual.map { "\"\($0)\"" } ?? "nil"), Python \(expected.map { "\"\($0)\"" } ?? "nil")" }
        }
        compare("subject", ours: message.subject, theirs: reference["subject"])
        compare("message_id", ours: message.messageID, theirs: reference["message_id"])
        let from = reference["from_address"] as? [String: Any]
        compare("from.address", ours: message.from?.address, theirs: from?["address"])
        compare("from.name", ours: message.from?.displayName, theirs: from?["name"])
        let theirs = (reference["attachments"] as? [[String: Any]] ?? []).map {
            "\(normalized($0["filename"]) ?? "-") \($0["size"] as? Int ?? -1) \($0["sha256"] as? String ?? "")"
        }
        let ours = message.attachments.map { "\($0.filename.flatMap { normalized($0) } ?? "-") \($0.size) \($0.sha256)" }
        if ours != theirs { differences["attachments"] = "ours \(ours), Python \(theirs)" }
        return differences
    }

    @Test(.enabled(if: available, "needs ../shared/corpus beside the checkout and python3"), .timeLimit(.minutes(10)))
    func agreesWithPythonOnTheCorpus() throws {
        let files = try Self.messageFiles()
        #expect(files.count > 1000, "the corpus index lists its messages")
        let reference = try Self.reference(for: files)
        let justified = try Self.justified()
        var agreeing = 0
        var unjustified: [String] = []
        var usedJustifications = 0
        for path in files {
            guard let expected = reference[path] else {
                unjustified.append("\(path): no reference output")
                continue
            }
            let relative = String(path.dropFirst((Self.corpus?.path.count ?? 0) + 1))
            var differences = Self.differences(path, reference: expected)
            for field in differences.keys where justified[relative]?[field] != nil {
                differences[field] = nil
                usedJustifications += 1
            }
            if differences.isEmpty {
                agreeing += 1
            } else {
                unjustified.append(differences.sorted { $0.key < $1.key }.map { "\(relative)\t\($0.key)\t\($0.value)" }.joined(separator: "\n"))
            }
        }
        let rate = Double(agreeing) / Double(max(files.count, 1))
        print("corpus conformance: \(agreeing)/\(files.count) agree (\(String(format: "%.2f", rate * 100)) %), \(usedJustifications) justified differences")
        // Every difference, for writing justifications: one `path<TAB>field<TAB>detail` line each.
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-conformance-differences.tsv")
        try? (unjustified.joined(separator: "\n") + "\n").write(to: report, atomically: true, encoding: .utf8)
        print("  all \(unjustified.count) unjustified differences: \(report.path)")
        for line in unjustified.prefix(40) { print("  \(line)") }
        #expect(rate >= 0.99, "agreement \(String(format: "%.2f", rate * 100)) % is below the 99 % goal")
    }
}
