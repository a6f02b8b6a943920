import DeskCore
import Foundation
import GRDB

/// One row of `submission`: a message (or bare document) that left the inbox as
/// something the office must answer, or as an ignored auto-reply.
public struct SubmissionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "submission"

    /// Per-tenant sequence; the public ID is `<tenant>-<number>`.
    public var number: Int64?
    /// `ready`, `incomplete`, `triage` or `ignored` (PRODUCT.md §5).
    public var verdict: String
    public var subject: String?
    /// `Name <address>` as sent, or nil for a bare document.
    public var sender: String?
    /// The registry's partner name, else the document's; nil when unknown.
    public var partner: String?
    public var messageID: String?
    public var contentSHA256: String
    /// Receipt instant (Unix seconds): starts the SLA clock.
    public var receivedAt: Double
    /// How the receipt time was found: `received-header`, `maildir-name` or `mtime`.
    public var receiptSource: String
    /// The sender's `Date:` header as written; stored, never used for the SLA.
    public var dateHeader: String?
    /// `YYYY-MM-DD` in the tenant's zone, nil when there is no SLA.
    public var dueDate: String?
    /// End of the due date (Unix seconds), nil when there is no SLA.
    public var deadline: Double?
    /// When the first response went out; meets the SLA.
    public var respondedAt: Double?
    public var closedAt: Double?
    public var assignee: String?
    /// Why the message needs no answer (auto-reply, bounce), when verdict is `ignored`.
    public var ignoredReason: String?
    /// What was damaged or guessed while reading, one line each (JSON array text).
    public var problems: String
    /// The archived original, relative to the tenant's archive folder.
    public var archivePath: String
    public var createdAt: Double
    /// The checklist id the document named (`retail-technology`).
    public var program: String? = nil
    /// The attachment (or bare file) the self-assessment was read from.
    public var documentName: String? = nil
    /// The self-assessment in canonical form (JSON text), for `show` and revision diffs.
    public var documentJSON: String? = nil
    /// The checks' outcome: a JSON array of `{id, status, reason}`.
    public var checks: String = "[]"
    /// Partner and program, e.g. `APN-310001|retail-technology`: revisions share it.
    public var applicationKey: String? = nil
    /// 1 for a first submission, then 2, 3… for later messages of the same application.
    public var revision: Int = 1
    /// The revision before this one.
    public var previousNumber: Int64? = nil
    /// Message-IDs from `In-Reply-To` and `References` (JSON array text).
    public var threadIDs: String = "[]"
    /// The sender's address alone (`m@acme.example`), lower-cased; nil for a bare document.
    public var senderAddress: String? = nil
    /// SHA-256 of the message body (the bytes after the header block): tells a
    /// re-delivered copy (new `Received:` lines, same body) from a different message
    /// that reuses a Message-ID.
    public var bodySHA256: String? = nil

    public init(
        number: Int64?,
        verdict: String,
        subject: String?,
        sender: String?,
        partner: String?,
        messageID: String?,
        contentSHA256: String,
        receivedAt: Double,
        receiptSource: String,
        dateHeader: String?,
        dueDate: String?,
        deadline: Double?,
        respondedAt: Double?,
        closedAt: Double?,
        assignee: String?,
        ignoredReason: String?,
        problems: String,
        archivePath: String,
        createdAt: Double
    ) {
        self.number = number
        self.verdict = verdict
        self.subject = subject
        self.sender = sender
        self.partner = partner
        self.messageID = messageID
        self.contentSHA256 = contentSHA256
        self.receivedAt = receivedAt
        self.receiptSource = receiptSource
        self.dateHeader = dateHeader
        self.dueDate = dueDate
        self.deadline = deadline
        self.respondedAt = respondedAt
        self.closedAt = closedAt
        self.assignee = assignee
        self.ignoredReason = ignoredReason
        self.problems = problems
        self.archivePath = archivePath
        self.createdAt = createdAt
    }

    public enum Columns {
        public static let number = Column(CodingKeys.number)
        public static let verdict = Column(CodingKeys.verdict)
        public static let messageID = Column(CodingKeys.messageID)
        public static let contentSHA256 = Column(CodingKeys.contentSHA256)
        public static let deadline = Column(CodingKeys.deadline)
        public static let respondedAt = Column(CodingKeys.respondedAt)
        public static let closedAt = Column(CodingKeys.closedAt)
        public static let receivedAt = Column(CodingKeys.receivedAt)
    }

    enum CodingKeys: String, CodingKey {
        case number, verdict, subject, sender, partner
        case messageID = "message_id"
        case contentSHA256 = "content_sha256"
        case receivedAt = "received_at"
        case receiptSource = "receipt_source"
        case dateHeader = "date_header"
        case dueDate = "due_date"
        case deadline
        case respondedAt = "responded_at"
        case closedAt = "closed_at"
        case assignee
        case ignoredReason = "ignored_reason"
        case problems
        case archivePath = "archive_path"
        case createdAt = "created_at"
        case program
        case documentName = "document_name"
        case documentJSON = "document_json"
        case checks
        case applicationKey = "application_key"
        case revision
        case previousNumber = "previous_number"
        case threadIDs = "thread_ids"
        case senderAddress = "sender_address"
        case bodySHA256 = "body_sha256"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        number = inserted.rowID
    }

    /// Reads a row by column name, without `Decodable` (whose keyed containers were a
    /// sixth of `queue --all --json` over a large store, issue 11). Every column of
    /// `CodingKeys` is read; `SubmissionRecordTests` holds it to the `Codable` form.
    public init(row: Row) throws {
        number = row[CodingKeys.number.rawValue]
        verdict = row[CodingKeys.verdict.rawValue]
        subject = row[CodingKeys.subject.rawValue]
        sender = row[CodingKeys.sender.rawValue]
        partner = row[CodingKeys.partner.rawValue]
        messageID = row[CodingKeys.messageID.rawValue]
        contentSHA256 = row[CodingKeys.contentSHA256.rawValue]
        receivedAt = row[CodingKeys.receivedAt.rawValue]
        receiptSource = row[CodingKeys.receiptSource.rawValue]
        dateHeader = row[CodingKeys.dateHeader.rawValue]
        dueDate = row[CodingKeys.dueDate.rawValue]
        deadline = row[CodingKeys.deadline.rawValue]
        respondedAt = row[CodingKeys.respondedAt.rawValue]
        closedAt = row[CodingKeys.closedAt.rawValue]
        assignee = row[CodingKeys.assignee.rawValue]
        ignoredReason = row[CodingKeys.ignoredReason.rawValue]
        problems = row[CodingKeys.problems.rawValue] ?? "[]"
        archivePath = row[CodingKeys.archivePath.rawValue]
        createdAt = row[CodingKeys.createdAt.rawValue]
        program = row[CodingKeys.program.rawValue]
        documentName = row[CodingKeys.documentName.rawValue]
        documentJSON = row[CodingKeys.documentJSON.rawValue]
        checks = row[CodingKeys.checks.rawValue] ?? "[]"
        applicationKey = row[CodingKeys.applicationKey.rawValue]
        revision = row[CodingKeys.revision.rawValue] ?? 1
        previousNumber = row[CodingKeys.previousNumber.rawValue]
        threadIDs = row[CodingKeys.threadIDs.rawValue] ?? "[]"
        senderAddress = row[CodingKeys.senderAddress.rawValue]
        bodySHA256 = row[CodingKeys.bodySHA256.rawValue]
    }

    /// The stored deadline, when the submission has an SLA.
    public var responseDeadline: ResponseDeadline? {
        guard let dueDate, let due = LocalDate(iso: dueDate), let deadline else { return nil }
        return ResponseDeadline(dueDate: due, deadline: Date(timeIntervalSince1970: deadline))
    }

    public var threadIDList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(threadIDs.utf8))) ?? []
    }

    /// The sender's address: the stored one, else the `<…>` of `sender` (rows from before v3).
    public var senderMailbox: String? {
        if let senderAddress { return senderAddress }
        guard let sender else { return nil }
        if let open = sender.lastIndex(of: "<"), let close = sender[open...].firstIndex(of: ">") {
            return sender[sender.index(after: open)..<close].lowercased()
        }
        return sender.contains("@") ? sender.trimmingCharacters(in: .whitespaces).lowercased() : nil
    }

    /// The domain of `senderMailbox`, lower-cased.
    public var senderDomain: String? {
        guard let mailbox = senderMailbox, let at = mailbox.lastIndex(of: "@") else { return nil }
        return String(mailbox[mailbox.index(after: at)...])
    }

    public var checkList: [CheckResult] {
        (try? JSONDecoder().decode([CheckResult].self, from: Data(checks.utf8))) ?? []
    }

    public var problemList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(problems.utf8))) ?? []
    }

    /// Whether the submission still waits for the office: not ignored, not answered, not closed.
    public var isOpen: Bool { verdict != "ignored" && respondedAt == nil && closedAt == nil }
}

/// One entry of a submission's append-only history.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var submissionNumber: Int64
    public var at: Double
    /// `received`, `duplicate-received`, `ignored`, `note`, …
    public var kind: String
    /// `competencyd`, or the OS user who acted.
    public var actor: String
    /// One line for people.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case id
        case submissionNumber = "submission_number"
        case at, kind, actor, detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A reviewer's note on a submission.
public struct NoteRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "note"
    public var id: Int64?
    public var submissionNumber: Int64
    public var at: Double
    public var author: String
    public var text: String

    enum CodingKeys: String, CodingKey {
        case id
        case submissionNumber = "submission_number"
        case at, author, text
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Every file that left the inbox through ingest: how restarts recognise work already done.
public struct InboxFileRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "inbox_file"
    public var id: Int64?
    /// The file's name in the inbox (Maildir names are unique; dropped names may repeat).
    public var sourceName: String
    public var contentSHA256: String
    public var size: Int64
    public var archivePath: String
    /// `stored` (became a submission) or `duplicate` (recorded on an earlier one).
    public var outcome: String
    public var submissionNumber: Int64
    public var ingestedAt: Double

    enum CodingKeys: String, CodingKey {
        case id
        case sourceName = "source_name"
        case contentSHA256 = "content_sha256"
        case size
        case archivePath = "archive_path"
        case outcome
        case submissionNumber = "submission_number"
        case ingestedAt = "ingested_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
