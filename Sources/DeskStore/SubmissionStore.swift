import DeskCore
import Foundation
import GRDB
import GRDBSQLite

/// One tenant's SQLite database: submissions, their history, notes and the
/// record of every inbox file that was ingested.
///
/// Contract: every write is one transaction with an intent-revealing name. The
/// database is in WAL mode so the daemon writes while the CLI reads. The file is
/// stamped with its tenant at creation and refuses to open for another tenant,
/// so a configuration mistake cannot mix two offices' data.
///
/// Two ways in: `init(tenant:url:)` (the daemon, `ingest`, `note`) creates,
/// migrates and writes; `openForReading(tenant:url:)` (the reviewers' reading
/// commands) opens read-only and never creates, migrates or writes anything, so
/// a reviewer who may read the tenant's folder but not write it can read the
/// store whether the daemon runs or not (issue 8).
public struct SubmissionStore: Sendable {
    public let tenant: String
    public let url: URL
    /// True for a store opened with `openForReading`: every write fails.
    public let isReadOnly: Bool
    /// The connection(s): a pool for a writing store, a read-only queue for a reader.
    let writer: any DatabaseWriter
    /// The database file as it was opened: `verifyFile` compares the file with it.
    private let opened = OpenedDatabaseFile()

    /// Opens (creating if needed) the tenant's database and migrates it.
    ///
    /// Every connection keeps the `-wal` and `-shm` files when it closes
    /// (`SQLITE_FCNTL_PERSIST_WAL`): SQLite deletes them when the last connection
    /// closes, and a read-only reader cannot create them again in a folder it may
    /// not write, so without them nobody but the daemon could read a stopped
    /// daemon's store.
    public init(tenant: String, url: URL) throws(StoreError) {
        self.tenant = tenant
        self.url = url
        self.isReadOnly = false
        do {
            // Modes come from the daemon's umask (027): a folder made here is 0750 (and
            // 02750 with the tenant's group inside a setgid archive), no chmod after it;
            // SQLite creates the database 0644 less the umask, 0640, and its -wal and
            // -shm files with the database's own mode (docs/PERMISSIONS.md).
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            // The daemon and several CLI processes share the file: wait for locks
            // rather than failing a reviewer's command.
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = true
            configuration.prepareDatabase { db in try Self.keepWALFilesOnClose(db) }
            let writer = try DatabasePool(path: url.path, configuration: configuration)
            self.writer = writer
            opened.remember(url)
            // GRDB sets `synchronous = NORMAL` with WAL: a commit is then durable against
            // a crash of the process but not against power loss or a kernel crash, while
            // the pipeline unlinks the inbox file right after the commit. FULL makes every
            // commit fsync the WAL first, so "committed" means "on disk" (issue 7, #14).
            // Set here, after GRDB's WAL setup, on the pool's one writer connection.
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            // A store written by a newer Competency Desk has migrations this one does not
            // know: reading or writing it with the older schema's assumptions could lose data.
            let unknown = try writer.read { db -> [String] in
                guard try db.tableExists("grdb_migrations") else { return [] }
                let applied = try Self.migrator.appliedIdentifiers(db)
                let known = Set(Self.migrator.migrations)
                return applied.filter { !known.contains($0) }.sorted()
            }
            if !unknown.isEmpty {
                throw StoreError.cannotOpen(
                    file: url.path,
                    reason:
                        "it was written by a newer version of Competency Desk (migrations \(unknown.joined(separator: ", ")) are unknown to this one); upgrade before using it"
                )
            }
            // Two processes creating the same new database (the daemon and a reviewer's
            // command) can race on the first migration; the loser finds it applied on retry.
            var attempt = 0
            while true {
                do {
                    try Self.migrator.migrate(writer)
                    break
                } catch {
                    attempt += 1
                    if attempt >= 3 { throw error }
                    usleep(50_000)
                }
            }
            try writer.write { db in
                let owner = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tenant'")
                if let owner, owner != tenant {
                    throw StoreError.wrongTenant(file: url.path, owner: owner, expected: tenant)
                }
                if owner == nil {
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('tenant', ?)", arguments: [tenant])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(file: url.path, reason: "\(error)")
        }
    }

    /// Opens the tenant's existing database for reading only: the reviewers'
    /// `queue`, `show` and `history`.
    ///
    /// Nothing is created, migrated or written (SQLite `SQLITE_OPEN_READONLY`).
    /// Refused, with the reason, when the file belongs to another tenant, was
    /// written by a newer version (a migration this code does not know), or is
    /// older than this code (a migration not applied yet: a reader cannot
    /// upgrade it, `competencyd` does at start-up). With the daemon running the
    /// reader shares its WAL index (read-only); with it stopped SQLite rebuilds
    /// the index in the reader's own memory from the `-wal` file the daemon kept.
    public static func openForReading(tenant: String, url: URL) throws(StoreError) -> SubmissionStore {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            try queue.read { db in try checkReadable(db, tenant: tenant, file: url.path) }
            return SubmissionStore(tenant: tenant, url: url, readOnly: queue)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_READONLY_DIRECTORY {
            throw StoreError.cannotOpen(
                file: url.path,
                reason:
                    "its -wal and -shm files are missing and this user may not create them in \(url.deletingLastPathComponent().path); start competencyd once (it keeps them) and try again"
            )
        } catch {
            throw StoreError.cannotOpen(file: url.path, reason: "\(error)")
        }
    }

    private init(tenant: String, url: URL, readOnly queue: DatabaseQueue) {
        self.tenant = tenant
        self.url = url
        self.isReadOnly = true
        self.writer = queue
    }

    /// Throws when the database file is no longer the file this store opened, whole:
    /// removed, replaced by another file (a restore while open), or cut short (a
    /// truncation). SQLite in WAL mode would not notice at once — it reads the main
    /// file only for pages not in its cache or the WAL — and would go on committing
    /// into a log that belongs to a file that is gone. The daemon checks before each
    /// pass and sweep, and on this error opens the tenant afresh. The file never
    /// shrinks otherwise: the store never runs VACUUM and has no auto_vacuum.
    ///
    /// A file shorter than its header counts is also what a checkpoint interrupted by a
    /// crash leaves (page 1 is written before the pages it counts; SQLite reads them
    /// from the WAL meanwhile). That is reported as damage too: the tenant is reopened
    /// after `rescan_seconds`, and closing the store's connections finishes the
    /// checkpoint. A checkpoint here would not do: it can write the last page back and
    /// hide a real truncation behind a hole.
    public func verifyFile() throws(StoreError) {
        guard !isReadOnly else { return }
        // Read through SQLite's own handle on the writer connection: no descriptor of ours.
        let read: () -> OpenedDatabaseFile.FileFacts? = { [writer] in
            (try? writer.writeWithoutTransaction { db in OpenedDatabaseFile.facts(db) }) ?? nil
        }
        guard let problem = opened.problem(with: url, facts: read) else { return }
        throw StoreError.damaged(file: url.path, reason: problem)
    }

    /// What a reader checks before trusting the file: every migration known (and
    /// applied), and the tenant stamp.
    static func checkReadable(_ db: Database, tenant: String, file: String) throws {
        let known = migrator.migrations
        let applied = try db.tableExists("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty {
            throw StoreError.cannotOpen(
                file: file,
                reason:
                    "it was written by a newer version of Competency Desk (migrations \(unknown.joined(separator: ", ")) are unknown to this one); upgrade before using it"
            )
        }
        let missing = known.filter { !applied.contains($0) }
        if let next = missing.first {
            let current = known.prefix(while: { applied.contains($0) }).last
            throw StoreError.cannotOpen(
                file: file,
                reason: (current.map { "the store is at schema \(schemaVersion($0))" } ?? "the store has no schema yet")
                    + " and this version of competency reads \(schemaVersion(known.last ?? next)); start competencyd once to "
                    + (current == nil ? "create" : "upgrade") + " it (a reader never changes the store)")
        }
        let owner = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tenant'")
        guard let owner else {
            throw StoreError.cannotOpen(
                file: file, reason: "it is not stamped with its tenant yet; start competencyd once to finish creating it")
        }
        if owner != tenant { throw StoreError.wrongTenant(file: file, owner: owner, expected: tenant) }
    }

    /// `v3` for the migration `v3-sender-and-body`.
    static func schemaVersion(_ migration: String) -> String {
        String(migration.prefix(while: { $0 != "-" }))
    }

    /// Sets `SQLITE_FCNTL_PERSIST_WAL` on the connection's main database file.
    static func keepWALFilesOnClose(_ db: Database) throws {
        var one: Int32 = 1
        let code = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &one)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot keep the WAL files (SQLITE_FCNTL_PERSIST_WAL)")
        }
    }

    /// Migrations are frozen once shipped: add new ones, never edit these.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-submissions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE submission (
                        number INTEGER PRIMARY KEY AUTOINCREMENT,
                        verdict TEXT NOT NULL,
                        subject TEXT,
                        sender TEXT,
                        partner TEXT,
                        message_id TEXT,
                        content_sha256 TEXT NOT NULL,
                        received_at REAL NOT NULL,
                        receipt_source TEXT NOT NULL,
                        date_header TEXT,
                        due_date TEXT,
                        deadline REAL,
                        responded_at REAL,
                        closed_at REAL,
                        assignee TEXT,
                        ignored_reason TEXT,
                        problems TEXT NOT NULL DEFAULT '[]',
                        archive_path TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE UNIQUE INDEX submission_on_message_id ON submission(message_id) WHERE message_id IS NOT NULL;
                    CREATE UNIQUE INDEX submission_on_content ON submission(content_sha256);
                    CREATE INDEX submission_on_deadline ON submission(deadline);
                    CREATE TABLE inbox_file (
                        id INTEGER PRIMARY KEY,
                        source_name TEXT NOT NULL,
                        content_sha256 TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        archive_path TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        ingested_at REAL NOT NULL,
                        UNIQUE (source_name, content_sha256)
                    );
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY,
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX event_on_submission ON event(submission_number, id);
                    -- History is evidence: it may grow, never change.
                    CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                        BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END;
                    CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
                        BEGIN SELECT RAISE(ABORT, 'event history is append-only'); END;
                    CREATE TABLE note (
                        id INTEGER PRIMARY KEY,
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        at REAL NOT NULL,
                        author TEXT NOT NULL,
                        text TEXT NOT NULL
                    );
                    CREATE INDEX note_on_submission ON note(submission_number, id);
                    """)
        }
        migrator.registerMigration("v2-checks-and-revisions") { db in
            try db.execute(
                sql: """
                    -- The checklist outcome, as read when the submission arrived.
                    ALTER TABLE submission ADD COLUMN program TEXT;
                    ALTER TABLE submission ADD COLUMN document_name TEXT;
                    ALTER TABLE submission ADD COLUMN document_json TEXT;
                    ALTER TABLE submission ADD COLUMN checks TEXT NOT NULL DEFAULT '[]';
                    -- Revisions: one application (partner + program) across several messages.
                    ALTER TABLE submission ADD COLUMN application_key TEXT;
                    ALTER TABLE submission ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE submission ADD COLUMN previous_number INTEGER REFERENCES submission(number);
                    ALTER TABLE submission ADD COLUMN thread_ids TEXT NOT NULL DEFAULT '[]';
                    CREATE INDEX submission_on_application ON submission(application_key, number);
                    """)
        }
        migrator.registerMigration("v3-sender-and-body") { db in
            try db.execute(
                sql: """
                    -- A Message-ID is the sender's claim, not a key: two different messages may
                    -- carry the same one (a broken client, or someone replaying a partner's ID).
                    DROP INDEX submission_on_message_id;
                    CREATE INDEX submission_on_message_id ON submission(message_id) WHERE message_id IS NOT NULL;
                    ALTER TABLE submission ADD COLUMN sender_address TEXT;
                    ALTER TABLE submission ADD COLUMN body_sha256 TEXT;
                    CREATE INDEX inbox_file_on_content ON inbox_file(content_sha256);
                    """)
        }
        migrator.registerMigration("v4-outgoing-mail") { db in
            try db.execute(
                sql: """
                    -- What the desk sends, recorded before it is handed to the transport and
                    -- marked after (PRODUCT.md §8). `message` is the exact bytes every
                    -- attempt hands over; `message_id` is stable across retries.
                    CREATE TABLE outgoing (
                        id INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL UNIQUE,
                        purpose TEXT NOT NULL,
                        submissions TEXT NOT NULL DEFAULT '[]',
                        recipients TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        message BLOB NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT,
                        transport_detail TEXT,
                        created_at REAL NOT NULL,
                        sent_at REAL
                    );
                    CREATE INDEX outgoing_on_state ON outgoing(state, next_attempt_at);
                    -- One SLA alert per submission and state, ever (PRODUCT.md §6).
                    CREATE TABLE alert (
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        state TEXT NOT NULL CHECK (state IN ('at-risk', 'breached')),
                        recipients TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (submission_number, state)
                    );
                    """)
        }
        migrator.registerMigration("v5-assignments") { db in
            try db.execute(
                sql: """
                    -- Who reviews what (PRODUCT.md §7): every assignment, with who made it,
                    -- so "who reviewed longest ago" and the history agree.
                    CREATE TABLE assignment (
                        id INTEGER PRIMARY KEY,
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        reviewer TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    CREATE INDEX assignment_on_reviewer ON assignment(reviewer, at);
                    CREATE INDEX submission_on_assignee ON submission(assignee) WHERE assignee IS NOT NULL;
                    -- The booked review of a submission (PRODUCT.md §7): one row per submission,
                    -- its UID stable and its SEQUENCE raised on every change (RFC 5545).
                    CREATE TABLE review (
                        submission_number INTEGER PRIMARY KEY REFERENCES submission(number),
                        reviewer TEXT NOT NULL,
                        start REAL NOT NULL,
                        "end" REAL NOT NULL,
                        uid TEXT NOT NULL UNIQUE,
                        sequence INTEGER NOT NULL DEFAULT 0,
                        state TEXT NOT NULL CHECK (state IN ('booked', 'cancelled')),
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX review_on_reviewer ON review(reviewer, start);
                    -- Things said once per submission (e.g. "no reviewer is eligible" to the office).
                    CREATE TABLE notice (
                        submission_number INTEGER NOT NULL REFERENCES submission(number),
                        kind TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (submission_number, kind)
                    );
                    """)
        }
        migrator.registerMigration("v6-review-answers") { db in
            // SQLite cannot change a CHECK: the table is made again with the state
            // `declined` (an invited person declined; the daemon books the next slot)
            // `answers`, each attendee's iTIP PARTSTAT ({"address": "ACCEPTED"}), and
            // `told_sequence`, the SEQUENCE the partner was last sent (NULL: never told).
            try db.execute(
                sql: """
                    CREATE TABLE review_v6 (
                        submission_number INTEGER PRIMARY KEY REFERENCES submission(number),
                        reviewer TEXT NOT NULL,
                        start REAL NOT NULL,
                        "end" REAL NOT NULL,
                        uid TEXT NOT NULL UNIQUE,
                        sequence INTEGER NOT NULL DEFAULT 0,
                        state TEXT NOT NULL CHECK (state IN ('booked', 'declined', 'cancelled')),
                        updated_at REAL NOT NULL,
                        answers TEXT NOT NULL DEFAULT '{}',
                        told_sequence INTEGER
                    );
                    INSERT INTO review_v6 (submission_number, reviewer, start, "end", uid, sequence, state, updated_at)
                        SELECT submission_number, reviewer, start, "end", uid, sequence, state, updated_at FROM review;
                    DROP TABLE review;
                    ALTER TABLE review_v6 RENAME TO review;
                    CREATE INDEX review_on_reviewer ON review(reviewer, start);
                    CREATE INDEX review_on_state ON review(state, start);
                    """)
        }
        migrator.registerMigration("v7-open-index") { db in
            // The open submissions (the queue, the sweep, the alerts, assignment and
            // booking) by deadline, without touching the answered and closed ones that
            // make up most of a store that has run for years (issue 11).
            try db.execute(
                sql: """
                    CREATE INDEX submission_open ON submission(deadline)
                        WHERE responded_at IS NULL AND closed_at IS NULL AND verdict <> 'ignored';
                    CREATE INDEX event_on_kind ON event(kind, submission_number);
                    """)
        }
        migrator.registerMigration("v8-retention-purge") { db in
            // Retention (issue 12): a purged submission keeps its SLA facts (receipt,
            // deadline, response, verdict) and loses its personal data and originals;
            // `purge` is the audit record of every purge: who, when, which, how many files.
            try db.execute(
                sql: """
                    ALTER TABLE submission ADD COLUMN purged_at REAL;
                    CREATE TABLE purge (
                        id INTEGER PRIMARY KEY,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        before TEXT NOT NULL,
                        submissions TEXT NOT NULL,
                        files_removed INTEGER NOT NULL,
                        bytes_removed INTEGER NOT NULL
                    );
                    CREATE TRIGGER purge_is_append_only_update BEFORE UPDATE ON purge
                        BEGIN SELECT RAISE(ABORT, 'the purge record is append-only'); END;
                    CREATE TRIGGER purge_is_append_only_delete BEFORE DELETE ON purge
                        BEGIN SELECT RAISE(ABORT, 'the purge record is append-only'); END;
                    """)
        }
        return migrator
    }

    /// The writer connection's `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).
    public func writerSynchronousMode() throws(StoreError) -> Int {
        do {
            return try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw StoreError.wrap(error, file: url.path)
        }
    }

    /// Every content hash the store knows, of submissions and of duplicate copies:
    /// what start-up reconciliation compares the archive against.
    public func knownContentHashes() throws(StoreError) -> Set<String> {
        try read { db in
            var hashes = Set(try String.fetchAll(db, sql: "SELECT content_sha256 FROM submission"))
            hashes.formUnion(try String.fetchAll(db, sql: "SELECT content_sha256 FROM inbox_file"))
            return hashes
        }
    }

    /// Records one ingested inbox file in a single transaction and says what it became.
    ///
    /// Idempotent for the crash window between this commit and the inbox file's
    /// removal: the same file (same name, same bytes) comes back `.alreadyStored`.
    public func recordIngestedFile(_ file: IngestedFile, at now: Date) throws(StoreError) -> IngestOutcome {
        try write { db in try record(file, at: now, in: db) }
    }

    /// Records several ingested inbox files in one transaction (group commit: one
    /// WAL fsync for the batch), in order, so a later file in the batch sees the
    /// earlier ones (a copy of a message earlier in the same batch is its duplicate).
    /// All or nothing: on an error nothing of the batch is recorded.
    public func recordIngestedFiles(_ files: [IngestedFile], at now: Date) throws(StoreError) -> [IngestOutcome] {
        guard !files.isEmpty else { return [] }
        return try write { db in try files.map { try record($0, at: now, in: db) } }
    }

    private func record(_ file: IngestedFile, at now: Date, in db: Database) throws -> IngestOutcome {
        do {
            var pendingEvents: [(String, String)] = []
            if let earlier =
                try InboxFileRecord
                .filter(
                    Column("source_name") == file.sourceName
                        && Column("content_sha256") == file.submission.contentSHA256
                )
                .fetchOne(db)
            {
                return .alreadyStored(number: earlier.submissionNumber)
            }
            var submission = file.submission
            // The same bytes are always the same message. The same Message-ID is the same
            // message only from the same sender with the same body (a re-delivery adds
            // Received: lines, nothing else); anything else reusing an ID is a new message.
            var original = try SubmissionRecord.filter(
                SubmissionRecord.Columns.contentSHA256 == file.submission.contentSHA256
            ).fetchOne(db)
            if original == nil, let id = file.submission.messageID {
                let earlier = try SubmissionRecord.filter(SubmissionRecord.Columns.messageID == id)
                    .order(SubmissionRecord.Columns.number).fetchAll(db)
                if let copy = earlier.first(where: { Self.isSameMessage($0, as: file.submission) }) {
                    original = copy
                } else if let first = earlier.first, let number = first.number {
                    let why = first.senderMailbox != file.submission.senderMailbox ? "a different sender" : "a different body"
                    let problem =
                        "the Message-ID \(id) was already used by \(tenant)-\(number) from \(first.senderMailbox ?? "an unknown sender"); this message has \(why), so it is stored as a new submission"
                    var problems = submission.problemList
                    problems.append(problem)
                    submission.problems =
                        String(decoding: (try? JSONEncoder().encode(problems)) ?? Data("[]".utf8), as: UTF8.self)
                    pendingEvents.append(("problem", problem))
                }
            }
            if let original, let number = original.number {
                let sameBytes = original.contentSHA256 == file.submission.contentSHA256
                var inboxFile = InboxFileRecord(
                    id: nil, sourceName: file.sourceName, contentSHA256: file.submission.contentSHA256,
                    size: file.size, archivePath: file.submission.archivePath, outcome: "duplicate",
                    submissionNumber: number, ingestedAt: now.timeIntervalSince1970)
                try inboxFile.insert(db)
                var event = EventRecord(
                    id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "duplicate-received",
                    actor: file.actor,
                    detail:
                        "\(sameBytes ? "byte-identical copy" : "same Message-ID") received as \(file.sourceName), archived as \(file.submission.archivePath); no new submission"
                )
                try event.insert(db)
                return .duplicate(of: number)
            }
            // A later message for the same application is its next revision; the earlier
            // open revision is closed as superseded (it is answered through the new one).
            // An automatic reply is never a revision: an out-of-office answer to a thread
            // must not close the submission it refers to.
            let previous = submission.verdict == "ignored" ? nil : try Self.previousRevision(of: submission, in: db)
            var carriedDeadline = false
            if let previous, let previousNumber = previous.number {
                submission.revision = previous.revision + 1
                submission.previousNumber = previousNumber
                submission.applicationKey = submission.applicationKey ?? previous.applicationKey
                // The office still owes the answer it owed for the unanswered revision:
                // a partner's follow-up does not move the deadline out (PRODUCT.md §6).
                if previous.isOpen, let earlier = previous.deadline, let current = submission.deadline, earlier < current {
                    submission.deadline = earlier
                    submission.dueDate = previous.dueDate
                    carriedDeadline = true
                }
            }
            try submission.insert(db)
            guard let number = submission.number else {
                throw StoreError.internalInconsistency("insert returned no row id")
            }
            if let previous, let previousNumber = previous.number, previous.isOpen {
                try db.execute(
                    sql: "UPDATE submission SET closed_at = ? WHERE number = ?",
                    arguments: [now.timeIntervalSince1970, previousNumber])
                var superseded = EventRecord(
                    id: nil, submissionNumber: previousNumber, at: now.timeIntervalSince1970, kind: "superseded",
                    actor: file.actor,
                    detail: "revision \(submission.revision) arrived as submission number \(number)"
                        + (carriedDeadline ? "; its deadline stays \(submission.dueDate ?? "")" : ""))
                try superseded.insert(db)
            }
            var inboxFile = InboxFileRecord(
                id: nil, sourceName: file.sourceName, contentSHA256: submission.contentSHA256, size: file.size,
                archivePath: submission.archivePath, outcome: "stored", submissionNumber: number,
                ingestedAt: now.timeIntervalSince1970)
            try inboxFile.insert(db)
            for (kind, detail) in file.events + pendingEvents {
                var event = EventRecord(
                    id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: kind, actor: file.actor,
                    detail: detail)
                try event.insert(db)
            }
            // An answer to a review invitation changes the review in the same transaction.
            let answered = try file.reviewAnswer.map { try $0.apply(db, actor: file.actor, at: now) }
            for related in file.relatedEvents {
                var detail = "\(related.detail) (stored as \(tenant)-\(number))"
                if let answered, related.number == file.reviewAnswer?.number { detail += "; \(answered)" }
                var event = EventRecord(
                    id: nil, submissionNumber: related.number, at: now.timeIntervalSince1970, kind: related.kind,
                    actor: file.actor, detail: detail)
                try event.insert(db)
            }
            for planned in file.messages where try OutgoingRecord.filter(Column("message_id") == planned.messageID).fetchCount(db) == 0 {
                var record = OutgoingRecord.pending(planned, at: now)
                try record.insert(db)
            }
            return .stored(number: number)
        }
    }

    /// The latest earlier revision of the same application: same partner and program
    /// (`application_key`), or the message this one replies to (`In-Reply-To`/`References`).
    static func previousRevision(of submission: SubmissionRecord, in db: Database) throws -> SubmissionRecord? {
        var candidates: [SubmissionRecord] = []
        if let key = submission.applicationKey {
            // The latest of the application only (index submission_on_application): an
            // application with hundreds of revisions is not read whole for each new one.
            if let latest = try SubmissionRecord.filter(Column("application_key") == key && SubmissionRecord.Columns.verdict != "ignored")
                .order(SubmissionRecord.Columns.number.desc).limit(1).fetchOne(db)
            {
                candidates.append(latest)
            }
        }
        let threadIDs = submission.threadIDList
        if !threadIDs.isEmpty {
            // Anyone can put any Message-ID in In-Reply-To: a reply continues a thread only
            // when it comes from the same partner (same application) or the same mail domain.
            candidates += try SubmissionRecord.filter(threadIDs.contains(SubmissionRecord.Columns.messageID) && SubmissionRecord.Columns.verdict != "ignored")
                .fetchAll(db)
                .filter { earlier in
                    if let key = submission.applicationKey, key == earlier.applicationKey { return true }
                    // Mail without a sender address continues nobody's thread.
                    guard let domain = submission.senderDomain else { return false }
                    return domain == earlier.senderDomain
                }
        }
        return candidates.max { ($0.number ?? 0) < ($1.number ?? 0) }
    }

    /// Whether `candidate` (stored earlier with the same Message-ID) is the message `incoming`
    /// delivered again: same sender, and the same body where both bodies are known.
    /// A body that is not known (a row from before v3 whose archived original could
    /// not be read, see `backfillBodyHashes`) is not taken as the same: a new
    /// submission with a problem loses nothing, a wrong duplicate hides a message.
    static func isSameMessage(_ candidate: SubmissionRecord, as incoming: SubmissionRecord) -> Bool {
        guard candidate.senderMailbox == incoming.senderMailbox else { return false }
        guard let known = candidate.bodySHA256, let body = incoming.bodySHA256 else { return false }
        return known == body
    }

    /// Rows with a Message-ID but no body hash: stored before v3, to be backfilled
    /// from their archived originals so the Message-ID rule can compare bodies.
    public func rowsMissingBodyHash() throws(StoreError) -> [(number: Int64, archivePath: String)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT number, archive_path FROM submission WHERE body_sha256 IS NULL AND message_id IS NOT NULL"
            ).map { (number: $0["number"], archivePath: $0["archive_path"]) }
        }
    }

    /// Records the body hash (and sender address) worked out from an archived original.
    public func setBodyHash(_ hash: String, senderAddress: String?, on number: Int64) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE submission SET body_sha256 = ?, sender_address = COALESCE(sender_address, ?) WHERE number = ?",
                arguments: [hash, senderAddress?.lowercased(), number])
        }
    }

    /// Whether this exact inbox file (name and bytes) was already stored: the check
    /// a restarted daemon makes before redoing work a crash interrupted.
    public func hasIngested(sourceName: String, contentSHA256: String) throws(StoreError) -> Bool {
        try read { db in
            try InboxFileRecord
                .filter(Column("source_name") == sourceName && Column("content_sha256") == contentSHA256)
                .fetchCount(db) > 0
        }
    }

    /// The submission an already-ingested inbox file belongs to.
    public func submissionNumber(forSourceName sourceName: String, contentSHA256: String) throws(StoreError) -> Int64 {
        try read { db in
            guard
                let record =
                    try InboxFileRecord
                    .filter(Column("source_name") == sourceName && Column("content_sha256") == contentSHA256)
                    .fetchOne(db)
            else { throw StoreError.internalInconsistency("inbox file \(sourceName) is not recorded") }
            return record.submissionNumber
        }
    }

    public func submission(number: Int64) throws(StoreError) -> SubmissionRecord? {
        try read { db in try SubmissionRecord.fetchOne(db, key: number) }
    }

    /// Submissions for the queue: open ones, or all of them with `includeClosed`.
    /// The columns of `submission` a list needs: everything stored before the
    /// document (the problems read as empty), and none of the columns stored after
    /// it — the document, the checks, the thread IDs, the sender's bare address, the
    /// body hash read as empty, and the application, revision and previous revision
    /// too unless `revisionLinks` — because SQLite reaches a column stored after a
    /// large one only by reading that one's overflow pages (a third of `queue --all`).
    /// The sender's address is still there, inside `sender`. A record read this way
    /// is for showing and deciding, never for writing back.
    static func summaryColumns(revisionLinks: Bool = false) -> String {
        """
        number, verdict, subject, sender, partner, message_id, content_sha256, received_at, receipt_source,
        date_header, due_date, deadline, responded_at, closed_at, assignee, ignored_reason, '[]' AS problems,
        archive_path, created_at, program, document_name, NULL AS document_json, '[]' AS checks, \(revisionLinks
            ? "application_key, revision, previous_number" : "NULL AS application_key, 1 AS revision, NULL AS previous_number"),
        '[]' AS thread_ids, NULL AS sender_address, NULL AS body_sha256
        """
    }

    /// The open submissions (`submissions(includeClosed: false)`), or every one, without
    /// their large columns (`summaryColumns`), by number: the queue; with
    /// `revisionLinks`, the SLA report (which follows a deadline back through revisions).
    public func submissionSummaries(includeClosed: Bool, revisionLinks: Bool = false) throws(StoreError)
        -> [SubmissionRecord]
    {
        try read { db in
            // No ORDER BY on the open rows: with one, SQLite may prefer walking the whole
            // table in rowid order to the partial index; a few open rows sort fast here.
            try SubmissionRecord.fetchAll(
                db,
                sql: "SELECT \(Self.summaryColumns(revisionLinks: revisionLinks)) FROM submission"
                    + (includeClosed ? " ORDER BY number" : " WHERE \(Self.openCondition)")
            ).sorted { ($0.number ?? 0) < ($1.number ?? 0) }
        }
    }

    /// What makes a submission open: owed an answer and not closed (matches the `submission_open` index).
    static let openCondition = "responded_at IS NULL AND closed_at IS NULL AND verdict <> 'ignored'"

    /// The open submissions whose deadline is at or before `bound`, in full — the
    /// only ones that can be at risk or breached by then (the sweep and the alerts
    /// ask with a bound a business day beyond the at-risk window) — leaving out those
    /// already recorded as breached: as events (`sla-breached`, for the sweep) or as
    /// alerts (for the alert planner). Served by the `submission_open` index.
    public func openSubmissions(deadlineAtOrBefore bound: Date, notBreachedIn: BreachRecord) throws(StoreError)
        -> [SubmissionRecord]
    {
        let exclusion =
            switch notBreachedIn {
            case .events:
                "NOT EXISTS (SELECT 1 FROM event WHERE event.kind = 'sla-breached' AND event.submission_number = submission.number)"
            case .alerts:
                "NOT EXISTS (SELECT 1 FROM alert WHERE alert.state = 'breached' AND alert.submission_number = submission.number)"
            }
        return try read { db in
            try SubmissionRecord.fetchAll(
                db,
                sql: "SELECT * FROM submission WHERE \(Self.openCondition) AND deadline <= ? AND \(exclusion)",
                arguments: [bound.timeIntervalSince1970]
            ).sorted { ($0.number ?? 0) < ($1.number ?? 0) }
        }
    }

    /// Where "already breached" is recorded, for `openSubmissions(deadlineAtOrBefore:notBreachedIn:)`.
    public enum BreachRecord: Sendable { case events, alerts }

    /// Open `ready` submissions by number, without their large columns
    /// (`summaryColumns`): assignment (partner, sender, dates), booking and the
    /// scheduling notice look at these only, every sweep.
    public func openReadySubmissions() throws(StoreError) -> [SubmissionRecord] {
        try read { db in
            try SubmissionRecord.fetchAll(
                db, sql: "SELECT \(Self.summaryColumns()) FROM submission WHERE \(Self.openCondition) AND verdict = 'ready'"
            ).sorted { ($0.number ?? 0) < ($1.number ?? 0) }
        }
    }

    public func submissions(includeClosed: Bool) throws(StoreError) -> [SubmissionRecord] {
        try read { db in
            var request = SubmissionRecord.all()
            if !includeClosed {
                request = request.filter(
                    SubmissionRecord.Columns.verdict != "ignored" && SubmissionRecord.Columns.respondedAt == nil
                        && SubmissionRecord.Columns.closedAt == nil)
            }
            return try request.order(SubmissionRecord.Columns.number).fetchAll(db)
        }
    }

    /// Records that a submission entered an SLA state (`at-risk`, `breached`), once.
    ///
    /// Returns false when the history already has that state: the sweep runs every
    /// minute and after every restart, and must neither repeat an entry nor, later,
    /// an alert.
    @discardableResult
    public func recordSLAState(_ state: String, on number: Int64, detail: String, at now: Date) throws(StoreError)
        -> Bool
    {
        try write { db in
            let kind = "sla-\(state)"
            let seen = try EventRecord.filter(Column("submission_number") == number && Column("kind") == kind)
                .fetchCount(db)
            guard seen == 0 else { return false }
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: kind, actor: "competencyd",
                detail: detail)
            try event.insert(db)
            return true
        }
    }

    /// `numbers` as a JSON array, one bound argument for `IN (SELECT value FROM json_each(?))`
    /// however many there are (SQLite caps the number of `?` in a statement).
    static func jsonList(_ numbers: [Int64]) -> String {
        "[" + numbers.map(String.init).joined(separator: ",") + "]"
    }

    /// The SLA states already recorded (history `sla-…`) for `numbers`.
    public func recordedSLAStates(among numbers: [Int64]) throws(StoreError) -> Set<SLAEntry> {
        guard !numbers.isEmpty else { return [] }
        let list = Self.jsonList(numbers)
        return try read { db in
            Set(
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT submission_number, kind FROM event WHERE kind IN ('sla-at-risk', 'sla-breached')
                        AND submission_number IN (SELECT value FROM json_each(?))
                        """,
                    arguments: [list]
                ).map { row in
                    let kind: String = row["kind"]
                    return SLAEntry(number: row["submission_number"], state: String(kind.dropFirst("sla-".count)))
                })
        }
    }

    /// `recordSLAState` for many submissions in one transaction; returns those newly recorded.
    public func recordSLAStates(_ entries: [(number: Int64, state: String, detail: String)], at now: Date)
        throws(StoreError) -> Set<SLAEntry>
    {
        try write { db in
            var recorded: Set<SLAEntry> = []
            for entry in entries {
                let kind = "sla-\(entry.state)"
                let seen = try EventRecord.filter(Column("submission_number") == entry.number && Column("kind") == kind)
                    .fetchCount(db)
                guard seen == 0 else { continue }
                var event = EventRecord(
                    id: nil, submissionNumber: entry.number, at: now.timeIntervalSince1970, kind: kind,
                    actor: "competencyd", detail: entry.detail)
                try event.insert(db)
                recorded.insert(SLAEntry(number: entry.number, state: entry.state))
            }
            return recorded
        }
    }

    /// Adds a reviewer's note and the matching history event.
    @discardableResult
    public func recordNote(_ text: String, on number: Int64, by author: String, at now: Date) throws(StoreError)
        -> NoteRecord
    {
        try write { db in
            guard try SubmissionRecord.exists(db, key: number) else { throw StoreError.noSuchSubmission(number) }
            var note = NoteRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, author: author, text: text)
            try note.insert(db)
            let firstLine = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            var event = EventRecord(
                id: nil, submissionNumber: number, at: now.timeIntervalSince1970, kind: "note", actor: author,
                detail: firstLine.count > 72 ? String(firstLine.prefix(71)) + "…" : firstLine)
            try event.insert(db)
            return note
        }
    }

    public func notes(on number: Int64) throws(StoreError) -> [NoteRecord] {
        try read { db in
            try NoteRecord.filter(Column("submission_number") == number).order(Column("id")).fetchAll(db)
        }
    }

    /// The submission's history, oldest first.
    public func events(on number: Int64) throws(StoreError) -> [EventRecord] {
        try read { db in
            try EventRecord.filter(Column("submission_number") == number).order(Column("id")).fetchAll(db)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try writer.read(body) } catch { throw StoreError.wrap(error, file: url.path) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try writer.write(body) } catch { throw StoreError.wrap(error, file: url.path) }
    }
}

/// A submission and an SLA state it entered.
public struct SLAEntry: Hashable, Sendable {
    public var number: Int64
    public var state: String
    public init(number: Int64, state: String) {
        self.number = number
        self.state = state
    }
}

/// A file on its way out of the inbox, ready to be recorded.
public struct IngestedFile: Sendable {
    public var sourceName: String
    public var size: Int64
    public var submission: SubmissionRecord
    /// History to start the submission with: (kind, detail).
    public var events: [(String, String)]
    public var actor: String
    /// History entries for other submissions this file concerns (a delivery report
    /// or a reply about the desk's own message): (submission, kind, detail).
    public var relatedEvents: [(number: Int64, kind: String, detail: String)] = []
    /// Messages to queue with it (the office's notice of a delivery report).
    public var messages: [PlannedMessage] = []
    /// An answer to a review invitation the file carries, recorded on the review.
    public var reviewAnswer: ReviewAnswer?

    public init(
        sourceName: String, size: Int64, submission: SubmissionRecord, events: [(String, String)], actor: String
    ) {
        self.sourceName = sourceName
        self.size = size
        self.submission = submission
        self.events = events
        self.actor = actor
    }
}

/// What recording an inbox file did.
public enum IngestOutcome: Sendable, Equatable {
    /// A new submission (or ignored auto-reply) with this number.
    case stored(number: Int64)
    /// An exact duplicate; recorded in the history of this earlier submission.
    case duplicate(of: Int64)
    /// This very file was stored before a crash; nothing new was written.
    case alreadyStored(number: Int64)
}

/// Why a store operation failed, in words for the operator.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case wrongTenant(file: String, owner: String, expected: String)
    case noSuchSubmission(Int64)
    case database(file: String, reason: String)
    /// The database file is damaged or gone under the open store (SQLite's CORRUPT,
    /// NOTADB, IOERR, CANTOPEN, or `verifyFile`): the store must be opened afresh.
    case damaged(file: String, reason: String)
    /// Another process held the database's lock past the busy timeout.
    case busy(file: String, reason: String)
    case internalInconsistency(String)
    /// A change refused because it clashes with what is stored (e.g. a reviewer's other review).
    case conflict(String)

    static func wrap(_ error: any Error, file: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError,
            [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR, .SQLITE_CANTOPEN].contains(error.resultCode)
        {
            return .damaged(file: file, reason: "\(error)")
        }
        if let error = error as? DatabaseError, [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
            return .busy(file: file, reason: "\(error)")
        }
        return .database(file: file, reason: "\(error)")
    }

    /// Whether the file itself failed (not a busy lock or a refused change).
    public var isDamage: Bool {
        if case .damaged = self { return true }
        return false
    }

    /// Whether the error is the whole store's (damaged, or locked by another process)
    /// rather than one change's: trying the same again at once would fail the same way.
    public var isStoreWide: Bool {
        switch self {
        case .damaged, .busy: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "cannot open the database \(file): \(reason)"
        case .wrongTenant(let file, let owner, let expected):
            return
                "the database \(file) belongs to tenant \(owner), not \(expected); give each tenant its own store: path"
        case .noSuchSubmission(let number):
            return "no submission number \(number)"
        case .database(let file, let reason):
            return "database error in \(file): \(reason)"
        case .damaged(let file, let reason):
            return "the database \(file) is damaged: \(reason)"
        case .busy(let file, let reason):
            return "the database \(file) is locked by another process: \(reason)"
        case .internalInconsistency(let what):
            return "internal inconsistency: \(what)"
        case .conflict(let what):
            return what
        }
    }
}

/// Device, inode and the largest size seen of a database file while it is open.
///
/// The file is never opened here: closing any descriptor of a file drops every
/// POSIX lock the process holds on it (fcntl(2)), SQLite's included — another
/// process would then take its connection for the last one, checkpoint and delete
/// the `-wal` and `-shm` this daemon still writes into, and its commits would be
/// invisible to every other process until it exits. Identity comes from stat(2) on
/// the path; size and header from SQLite's own open file (`FileFacts`).
final class OpenedDatabaseFile: @unchecked Sendable {
    // @unchecked: every field is guarded by `lock`.
    private let lock = NSLock()
    private var device: UInt64 = 0
    private var inode: UInt64 = 0
    private var largest: Int64 = -1

    /// The size and the first 100 bytes of the main database file, read through
    /// SQLite's handle (`SQLITE_FCNTL_FILE_POINTER`, then the VFS's xFileSize/xRead).
    struct FileFacts {
        let size: Int64
        let header: [UInt8]?
    }

    static func facts(_ db: Database) -> FileFacts? {
        var pointer: UnsafeMutableRawPointer?
        guard sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_FILE_POINTER, &pointer) == SQLITE_OK,
            let file = pointer?.assumingMemoryBound(to: sqlite3_file.self),
            let methods = file.pointee.pMethods, let fileSize = methods.pointee.xFileSize, let read = methods.pointee.xRead
        else { return nil }
        var size: sqlite3_int64 = 0
        guard fileSize(file, &size) == SQLITE_OK else { return nil }
        guard size >= 100 else { return FileFacts(size: Int64(size), header: nil) }
        var header = [UInt8](repeating: 0, count: 100)
        let status = header.withUnsafeMutableBytes { read(file, $0.baseAddress, 100, 0) }
        return FileFacts(size: Int64(size), header: status == SQLITE_OK ? header : nil)
    }

    func remember(_ url: URL) {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return }
        lock.withLock {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            largest = Int64(status.st_size)
        }
    }

    /// What is wrong with the file now, or nil. A file found cut short is looked at
    /// again a moment later: another process's checkpoint writes the header page
    /// before the pages it counts. `facts` reads the open file's size and header.
    func problem(with url: URL, facts: () -> FileFacts?) -> String? {
        guard let first = check(url, facts: facts) else { return nil }
        usleep(200_000)
        return check(url, facts: facts) == nil ? nil : first
    }

    private func check(_ url: URL, facts: () -> FileFacts?) -> String? {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            return "the database file cannot be examined while in use (\(String(cString: strerror(errno)))); it was removed or moved"
        }
        let replaced = lock.withLock { () -> Bool in
            largest >= 0 && (UInt64(status.st_dev) != device || UInt64(status.st_ino) != inode)
        }
        if replaced { return "the database file was replaced by another file while open" }
        guard let facts = facts() else { return nil }
        let size = facts.size
        let shrunk = lock.withLock { () -> Int64? in largest >= 0 && size < largest ? largest : nil }
        if let was = shrunk {
            return "the database file was cut short while open (\(size) bytes, was \(was))"
        }
        // The header says how large the file is since the last checkpoint (offsets 16,
        // 28, 24 and 92 of https://www.sqlite.org/fileformat2.html#database_header).
        if size > 0 {
            guard let header = facts.header else {
                return "the database file was cut short inside its header (\(size) bytes)"
            }
            func u32(_ at: Int) -> UInt32 { header[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
            let rawPageSize = Int64(header[16]) << 8 | Int64(header[17])
            let pageSize = rawPageSize == 1 ? 65_536 : rawPageSize
            let pages = Int64(u32(28))
            if pages > 0, u32(24) == u32(92), pageSize >= 512, size < pages * pageSize {
                return "the database file was cut short (\(size) bytes; its header counts \(pages) pages of \(pageSize) bytes)"
            }
        }
        lock.withLock { largest = max(largest, size) }
        return nil
    }
}
