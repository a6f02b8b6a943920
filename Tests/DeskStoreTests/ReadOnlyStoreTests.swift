import DeskCore
import DeskStore
import Foundation
import GRDB
import Testing

/// Issue 8 item 2: the reviewers' reading commands open the store read-only —
/// nothing created, migrated or written — and the writer keeps the `-wal` and
/// `-shm` files a read-only reader needs when the daemon is stopped.
@Suite struct ReadOnlyStoreTests {
    let folder: URL
    let url: URL
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ro-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent("t.sqlite")
    }

    /// A store written by the read-write path, closed again (as a stopped daemon leaves it).
    func writeOneSubmission() throws {
        let store = try SubmissionStore(tenant: "retail-jp", url: url)
        let record = SubmissionRecord(
            number: nil, verdict: "triage", subject: "s", sender: "a@b.example", partner: nil, messageID: "<1@x>",
            contentSHA256: "aa", receivedAt: now.timeIntervalSince1970, receiptSource: "received-header",
            dateHeader: nil, dueDate: "2026-12-04", deadline: now.timeIntervalSince1970 + 86_400, respondedAt: nil,
            closedAt: nil, assignee: nil, ignoredReason: nil, problems: "[]", archivePath: "2026/11/aa-m.eml",
            createdAt: now.timeIntervalSince1970)
        _ = try store.recordIngestedFile(
            IngestedFile(sourceName: "m1", size: 1, submission: record, events: [("received", "as m1")], actor: "t"),
            at: now)
        try store.recordNote("checked", on: 1, by: "hanako", at: now)
    }

    /// Every file in the folder with its bytes and modification time.
    func snapshot(skipping skipped: Set<String> = []) throws -> [String: (Data, Int, Int)] {
        var result: [String: (Data, Int, Int)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !skipped.contains(name) {
            let path = folder.appendingPathComponent(name).path
            var status = stat()
            #expect(stat(path, &status) == 0)
            result[name] = (
                try Data(contentsOf: URL(fileURLWithPath: path)), Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)
            )
        }
        return result
    }

    @Test func theWriterKeepsTheWALFilesWhenItCloses() throws {
        try writeOneSubmission()
        // Without them a reader who may not write the folder cannot open a WAL database.
        #expect(FileManager.default.fileExists(atPath: url.path + "-wal"))
        #expect(FileManager.default.fileExists(atPath: url.path + "-shm"))
    }

    @Test func aReaderReadsAndWritesNothing() throws {
        try writeOneSubmission()
        // The -shm file is SQLite's shared-memory index, which a reader allowed to write it
        // (these tests run as root) may refresh; the database and its log must not change.
        let before = try snapshot(skipping: ["t.sqlite-shm"])
        let listing = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let reader = try SubmissionStore.openForReading(tenant: "retail-jp", url: url)
        #expect(reader.isReadOnly)
        #expect(try reader.submissions(includeClosed: true).map(\.messageID) == ["<1@x>"])
        #expect(try reader.events(on: 1).map(\.kind) == ["received", "note"])
        #expect(try reader.notes(on: 1).map(\.author) == ["hanako"])
        #expect(throws: StoreError.self) { try reader.recordNote("forged", on: 1, by: "mallory", at: now) }
        let after = try snapshot(skipping: ["t.sqlite-shm"])
        #expect(Set(after.keys) == Set(before.keys))
        for (name, (bytes, seconds, nanoseconds)) in before {
            #expect(after[name]?.0 == bytes, "\(name) changed")
            #expect(after[name]?.1 == seconds && after[name]?.2 == nanoseconds, "\(name) was touched")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == listing)
    }

    @Test func aReaderNeverCreatesAStore() throws {
        #expect(throws: StoreError.self) { _ = try SubmissionStore.openForReading(tenant: "retail-jp", url: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aReaderRefusesAnotherTenantsStore() throws {
        try writeOneSubmission()
        #expect {
            _ = try SubmissionStore.openForReading(tenant: "retail-us", url: url)
        } throws: { error in
            guard case StoreError.wrongTenant(_, let owner, let expected) = error else { return false }
            return owner == "retail-jp" && expected == "retail-us"
        }
    }

    @Test func aReaderRefusesAStoreFromANewerVersion() throws {
        try writeOneSubmission()
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        try queue.close()
        #expect {
            _ = try SubmissionStore.openForReading(tenant: "retail-jp", url: url)
        } throws: { error in
            guard case StoreError.cannotOpen(_, let reason) = error else { return false }
            return reason.contains("newer version") && reason.contains("v99-future")
        }
    }

    @Test func aReaderDoesNotUpgradeAnOlderStoreAndSaysWhoWill() throws {
        try writeOneSubmission()
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { try $0.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v3-sender-and-body', 'v4-outgoing-mail', 'v5-assignments', 'v6-review-answers', 'v7-open-index', 'v8-retention-purge')") }
        try queue.close()
        #expect {
            _ = try SubmissionStore.openForReading(tenant: "retail-jp", url: url)
        } throws: { error in
            guard case StoreError.cannotOpen(_, let reason) = error else { return false }
            return reason.contains("schema v2") && reason.contains("reads v8") && reason.contains("start competencyd once")
        }
        // Still at v2: the reader migrated nothing.
        let applied = try DatabaseQueue(path: url.path).read {
            try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(applied == ["v1-submissions", "v2-checks-and-revisions"])
    }
}
