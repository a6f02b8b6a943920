import DeskCore
import Foundation
import GRDB

/// The operator's side of a store: backups, the archive's record for `verify`, and
/// the retention purge (issue 12).
///
/// Contract — `backup(to:)` only reads (SQLite's online backup API inside one read
/// transaction, so the copy is one consistent snapshot while the daemon writes);
/// `purge(_:…)` is one write transaction that blanks personal data and appends the
/// audit record; nothing here touches files of the archive (the caller does).
extension SubmissionStore {
    /// Copies the whole database into a new file at `url` (which must not exist) with
    /// SQLite's online backup API, checks the copy (`PRAGMA quick_check`) and fsyncs it.
    ///
    /// Works on a read-only store too: a reader takes a consistent snapshot without
    /// writing the live database, whether the daemon runs or not.
    public func backup(to url: URL) throws(StoreError) {
        do {
            let copy = try DatabaseQueue(path: url.path)
            try writer.backup(to: copy)
            let check = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            // The copy is a WAL database (the header says so): made a rollback-journal one,
            // so the backup is one self-contained file any reader opens as it is.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            guard check == ["ok"] else {
                throw StoreError.database(
                    file: url.path, reason: "the copy fails its check: \(check.joined(separator: "; "))")
            }
            for suffix in ["-wal", "-shm"] { unlink(url.path + suffix) }
            let fd = open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0, fsync(fd) == 0 else {
                if fd >= 0 { close(fd) }
                throw StoreError.database(
                    file: url.path, reason: "cannot fsync the copy: \(String(cString: strerror(errno)))")
            }
            close(fd)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database(file: url.path, reason: "backup failed: \(error)")
        }
    }

    /// The tenant a database file is stamped with (nil: not stamped), read without
    /// changing the file: for checking a backup before it is restored.
    public static func tenantStamp(of url: URL) throws(StoreError) -> String? {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                guard try db.tableExists("meta") else { return nil }
                return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tenant'")
            }
        } catch {
            throw StoreError.cannotOpen(file: url.path, reason: "\(error)")
        }
    }

    /// Every archived file the store records: each submission's original and each
    /// inbox file (duplicates included), with the hash recorded for it.
    public func archivedFiles() throws(StoreError) -> [ArchivedFileRow] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT archive_path, content_sha256, number AS submission_number, purged_at IS NOT NULL AS purged
                    FROM submission
                    UNION
                    SELECT f.archive_path, f.content_sha256, f.submission_number, s.purged_at IS NOT NULL
                    FROM inbox_file f JOIN submission s ON s.number = f.submission_number
                    ORDER BY 1
                    """)
            return rows.map { row in
                ArchivedFileRow(
                    path: row["archive_path"], sha256: row["content_sha256"],
                    submissionNumber: row["submission_number"],
                    purged: row["purged"])
            }
        }
    }

    /// The submissions a retention purge with cut-off `before` may take: finished (answered,
    /// closed or ignored), not purged yet, nothing happened to them since `before` (receipt,
    /// response, closing, any history entry, the end of a booked review), and no open
    /// revision of the same application that might still need them. With the archived
    /// files each one owns.
    public func purgeCandidates(before: Date) throws(StoreError) -> [PurgeCandidate] {
        try read { db in
            let numbers = try Int64.fetchAll(
                db,
                sql: """
                    SELECT s.number FROM submission s
                    WHERE s.purged_at IS NULL
                      AND NOT (\(Self.openCondition))
                      AND MAX(s.received_at, COALESCE(s.responded_at, 0), COALESCE(s.closed_at, 0),
                              COALESCE((SELECT MAX(e.at) FROM event e WHERE e.submission_number = s.number), 0),
                              COALESCE((SELECT r."end" FROM review r WHERE r.submission_number = s.number AND r.state = 'booked'), 0)) < ?
                      AND (s.application_key IS NULL OR NOT EXISTS (
                              SELECT 1 FROM submission o WHERE o.application_key = s.application_key
                              AND o.responded_at IS NULL AND o.closed_at IS NULL AND o.verdict <> 'ignored'))
                    ORDER BY s.number
                    """, arguments: [before.timeIntervalSince1970])
            return try numbers.map { number in
                let paths = try String.fetchAll(
                    db,
                    sql: """
                        SELECT archive_path FROM submission WHERE number = ?
                        UNION SELECT archive_path FROM inbox_file WHERE submission_number = ? ORDER BY 1
                        """, arguments: [number, number])
                return PurgeCandidate(number: number, archivePaths: paths)
            }
        }
    }

    /// What a purge replaces personal text with.
    public static let purgedText = "(removed by the retention purge)"

    /// History entries whose detail the desk wrote from facts that are not personal
    /// (times, file names, states): kept as they are. Every other entry's detail (notes,
    /// problems quoting addresses, mail sent to people, reasons people typed) is replaced.
    static let impersonalEventKinds = [
        "received", "deadline", "sla-at-risk", "sla-breached", "superseded", "duplicate-received", "ignored",
        "recovered",
        "purged",
    ]

    /// Blanks the personal data of `numbers` and appends the audit record, in one
    /// transaction; returns the audit record's id and the submissions it took. The SLA
    /// facts stay (receipt, deadline, due date, response, closing, verdict, partner,
    /// program, check statuses), so `sla` counts purged submissions as before. Those
    /// a concurrent purge (the daemon's daily one and a person's) took first are left
    /// out; nil when none is left.
    @discardableResult
    public func recordPurge(
        _ candidates: [Int64], filesRemoved: Int, bytesRemoved: Int64, before: String, by actor: String, at now: Date
    ) throws(StoreError) -> (id: Int64, numbers: [Int64])? {
        try write { db -> (id: Int64, numbers: [Int64])? in
            let numbers = try Int64.fetchAll(
                db,
                sql:
                    "SELECT number FROM submission WHERE number IN (SELECT value FROM json_each(?)) AND purged_at IS NULL ORDER BY number",
                arguments: [Self.jsonList(candidates)])
            guard !numbers.isEmpty else { return nil }
            let list = Self.jsonList(numbers)
            let inList = "IN (SELECT value FROM json_each(?))"
            // Check statuses are the office's decision and stay; their reasons quote the document.
            for number in numbers {
                guard
                    let checks = try String.fetchOne(
                        db, sql: "SELECT checks FROM submission WHERE number = ?", arguments: [number])
                else { throw StoreError.noSuchSubmission(number) }
                let kept = Self.checksWithoutReasons(checks)
                try db.execute(sql: "UPDATE submission SET checks = ? WHERE number = ?", arguments: [kept, number])
            }
            try db.execute(
                sql: """
                    UPDATE submission SET subject = NULL, sender = NULL, sender_address = NULL, message_id = NULL,
                        date_header = NULL, document_name = NULL, document_json = NULL, thread_ids = '[]',
                        problems = '[]', purged_at = ?
                    WHERE number \(inList)
                    """, arguments: [now.timeIntervalSince1970, list])
            try db.execute(
                sql: "UPDATE note SET text = ? WHERE submission_number \(inList)", arguments: [Self.purgedText, list])
            try db.execute(sql: "UPDATE review SET answers = '{}' WHERE submission_number \(inList)", arguments: [list])
            // Mail already handed over (or given up) that concerns only purged submissions:
            // its text and recipients are personal data; the row stays as the fact it was sent.
            try db.execute(
                sql: """
                    UPDATE outgoing SET message = zeroblob(0), recipients = '[]', subject = ?
                    WHERE state <> 'pending' AND submissions <> '[]'
                      AND NOT EXISTS (SELECT 1 FROM json_each(outgoing.submissions) j
                                      WHERE j.value NOT IN (SELECT value FROM json_each(?)))
                    """, arguments: [Self.purgedText, list])
            // History is append-only (the triggers of v1); a purge is the one sanctioned
            // exception, in this transaction only: details go, kind, time and actor stay.
            let kinds = Self.impersonalEventKinds.map { "'\($0)'" }.joined(separator: ", ")
            try db.execute(sql: "DROP TRIGGER event_is_append_only_update")
            try db.execute(
                sql: "UPDATE event SET detail = ? WHERE submission_number \(inList) AND kind NOT IN (\(kinds))",
                arguments: [Self.purgedText, list])
            try db.execute(
                sql: """
                    CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                        BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END
                    """)
            try db.execute(
                sql: """
                    INSERT INTO purge (at, actor, before, submissions, files_removed, bytes_removed)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [now.timeIntervalSince1970, actor, before, list, filesRemoved, bytesRemoved])
            let id = db.lastInsertedRowID
            for number in numbers {
                var event = EventRecord(
                    id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "purged", actor: actor,
                    detail: "personal data and archived originals removed (retention purge #\(id), before \(before))")
                try event.insert(db)
            }
            return (id, numbers)
        }
    }

    /// Every purge ever made, oldest first.
    public func purges() throws(StoreError) -> [PurgeRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM purge ORDER BY id").map { row in
                let list: String = row["submissions"]
                let numbers = (try? JSONDecoder().decode([Int64].self, from: Data(list.utf8))) ?? []
                return PurgeRecord(
                    id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"],
                    before: row["before"],
                    submissions: numbers, filesRemoved: row["files_removed"], bytesRemoved: row["bytes_removed"])
            }
        }
    }

    /// `[{id, status, reason}]` with every reason emptied.
    static func checksWithoutReasons(_ text: String) -> String {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            return "[]"
        }
        let kept = array.map { check -> [String: Any] in
            var check = check
            if check["reason"] != nil { check["reason"] = "" }
            return check
        }
        guard let data = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// An archived file as the store records it.
public struct ArchivedFileRow: Sendable, Equatable {
    /// Relative to the tenant's archive folder (`2026/11/<hash16>-<name>`).
    public var path: String
    public var sha256: String
    public var submissionNumber: Int64
    /// Its submission was purged: the file is meant to be gone.
    public var purged: Bool
}

/// A submission a purge may take, with the archived files it owns.
public struct PurgeCandidate: Sendable, Equatable {
    public var number: Int64
    public var archivePaths: [String]
}

/// One row of the purge audit record.
public struct PurgeRecord: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    /// The cut-off as given (`YYYY-MM-DD`).
    public var before: String
    public var submissions: [Int64]
    public var filesRemoved: Int
    public var bytesRemoved: Int64
}
