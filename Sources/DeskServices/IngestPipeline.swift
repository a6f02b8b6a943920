import Crypto
import DeskConfig
import DeskCore
import DeskDocuments
import DeskInbox
import DeskMail
import DeskStore
import Foundation
import Logging

/// Takes one file out of a tenant's inbox and into the store and the archive.
///
/// Contract — reads: one complete inbox file. Writes: the archived original,
/// then one store transaction, then removes the inbox file; each step durable
/// before the next starts. Crash at any instant: the file is still in the inbox
/// (and its archive copy, if written, is rewritten identically on retry), or it
/// is stored and archived and a restart only finishes removing it — recognised by
/// name and content hash, so it is never stored twice. Bad input: a file that is
/// not a message, or is over the size limit, is quarantined with a reason;
/// damaged but readable mail is stored with its problems listed.
public struct IngestPipeline: Sendable {
    public let tenant: TenantConfiguration
    public let store: SubmissionStore
    public let archive: ArchiveFolder
    public let maxMessageBytes: Int
    public let registry: RegistryCache

    public init(tenant: TenantConfiguration, store: SubmissionStore, maxMessageBytes: Int, registry: RegistryCache) {
        self.tenant = tenant
        self.store = store
        self.archive = ArchiveFolder(root: tenant.archive)
        self.maxMessageBytes = maxMessageBytes
        self.registry = registry
    }

    /// What became of one file.
    public enum Outcome: Sendable, Equatable {
        case stored(id: String, verdict: String)
        case duplicate(of: String)
        /// Stored before a crash; this run only finished removing it from the inbox.
        case resumed(id: String)
        case quarantined(reason: String, to: URL)
        /// Not taken this time (changed after the scan, still being written): the
        /// file stays in the inbox and the next scan looks at it afresh.
        case skipped(reason: String)
    }

    /// Where an archived original that the store does not know came from: start-up
    /// reconciliation ingests it again from the archive (issue 7, #14).
    public struct Recovery: Sendable {
        /// The archive path, relative to the archive folder: kept as it is.
        public let archivePath: String
        /// The inbox name the archive name was made from.
        public let originalName: String
        public init(archivePath: String, originalName: String) {
            self.archivePath = archivePath
            self.originalName = originalName
        }
    }

    /// Ingests `entry`. With `removeSource` false (the CLI's `ingest` of a file
    /// outside the inbox, or a recovery from the archive) the source is left where it is.
    ///
    /// Throws only for trouble of the environment (disk, permissions, database),
    /// in which case the file stays where it was for the next attempt.
    public func ingest(
        _ entry: InboxEntry, removeSource: Bool = true, recovery: Recovery? = nil, actor: String, now: Date
    ) throws -> Outcome {
        let prepared = try prepare(entry, removeSource: removeSource, recovery: recovery, actor: actor, now: now)
        return try commit([prepared], now: now)[0].get()
    }

    /// One file read, parsed and checked, with nothing written yet: what `commit` does.
    /// Made on any thread (`prepare` only reads the store); committed on the tenant's.
    public struct PreparedFile: Sendable {
        public let entry: InboxEntry
        let removeSource: Bool
        let step: Step

        enum Step: Sendable {
            case quarantine(reason: String)
            case skip(reason: String)
            /// Stored before a crash: only the inbox copy is left to remove.
            case resume(FileIdentity, number: Int64)
            case record(Record)
        }

        struct Record: Sendable {
            let identity: FileIdentity
            let bytes: [UInt8]
            /// Nil for a recovery from the archive: the original is already there.
            let archivePath: String?
            let file: IngestedFile
        }
    }

    /// Reads, parses and checks `entry` and says what committing it will do; writes
    /// nothing (the store is only read). Throws only for trouble of the environment.
    public func prepare(
        _ entry: InboxEntry, removeSource: Bool = true, recovery: Recovery? = nil, actor: String, now: Date
    ) throws -> PreparedFile {
        func step(_ step: PreparedFile.Step) -> PreparedFile {
            PreparedFile(entry: entry, removeSource: removeSource, step: step)
        }
        // The size the scan saw is only a hint: the file is measured as it is read.
        if entry.size > Int64(maxMessageBytes) {
            return step(.quarantine(reason: tooLarge(entry.size)))
        }
        let bytes: [UInt8]
        let identity: FileIdentity
        switch try entry.read(limit: maxMessageBytes) {
        case .bytes(let read, let file):
            // A batch holds what the scan measured (`ingest.batch_bytes`): a file that grew
            // since — still being written, or swollen on purpose to make a batch of 32 tiny
            // files hold 32 × max_message_bytes — waits for the next scan, which sees its size.
            if Int64(read.count) > entry.size {
                return step(
                    .skip(reason: "grew from \(entry.size) to \(read.count) bytes after the scan; taken at the next scan"))
            }
            bytes = read
            identity = FileIdentity(file)
        case .tooLarge(let size):
            return step(.quarantine(reason: tooLarge(Int64(size), atLeast: true)))
        case .refused(let reason, let moveAside):
            return step(moveAside ? .quarantine(reason: reason) : .skip(reason: reason))
        }
        let sourceName = recovery?.originalName ?? entry.name
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()

        if try store.hasIngested(sourceName: sourceName, contentSHA256: sha256) {
            let number = try store.submissionNumber(forSourceName: sourceName, contentSHA256: sha256)
            return step(.resume(identity, number: number))
        }

        var reading: Reading
        do {
            reading = try read(bytes, entry: entry, name: sourceName, now: now)
        } catch {
            return step(.quarantine(reason: "not a message: \(error.reason)"))
        }
        // Mail about the desk's own messages: recorded on what it concerns, never an SLA.
        let answer = try answerToTheDesk(bytes, reading: reading)
        if let reason = answer.ignoredReason { reading.ignoredReason = reason }

        let receiptDate = tenant.calendar.localDate(of: reading.receivedAt)
        let archivePath =
            recovery?.archivePath ?? archive.relativePath(for: entry.name, sha256: sha256, receivedOn: receiptDate)

        let deadline =
            reading.ignoredReason == nil
            ? ResponseDeadline(
                receivedAt: reading.receivedAt, businessDays: tenant.sla.businessDays, calendar: tenant.calendar)
            : nil
        var problems = reading.problems
        if let years = tenant.calendar.coveredYears, let deadline, !years.contains(deadline.dueDate.year) {
            problems.append(
                "the holiday calendar covers \(years.lowerBound)–\(years.upperBound); the due date \(deadline.dueDate) was counted without holidays"
            )
        }
        // Read the self-assessment and run the checklist (not for auto-replies: never answered).
        var assessment: SubmissionAssessor.Assessment?
        if reading.ignoredReason == nil {
            var partners: PartnerRegistry?
            switch registry.current() {
            case .success(let registry): partners = registry
            case .failure(let error): problems.append(error.description)
            }
            let result = SubmissionAssessor(tenant: tenant).assess(
                candidates: reading.candidates, subject: reading.subject, isMail: reading.isMail,
                senderAddress: reading.senderAddress,
                attachmentNames: reading.attachmentNames, receivedOn: receiptDate, registry: partners)
            problems += result.problems
            assessment = result
        }
        let problemsJSON = String(decoding: (try? JSONEncoder().encode(problems)) ?? Data("[]".utf8), as: UTF8.self)
        var submission = SubmissionRecord(
            number: nil, verdict: assessment?.verdict.rawValue ?? Verdict.ignored.rawValue, subject: reading.subject,
            sender: reading.sender, partner: assessment.flatMap { SubmissionAssessor(tenant: tenant).partnerName(of: $0) },
            messageID: reading.messageID, contentSHA256: sha256,
            receivedAt: reading.receivedAt.timeIntervalSince1970, receiptSource: reading.receiptSource,
            dateHeader: reading.dateHeader, dueDate: deadline?.dueDate.iso,
            deadline: deadline?.deadline.timeIntervalSince1970, respondedAt: nil, closedAt: nil, assignee: nil,
            ignoredReason: reading.ignoredReason, problems: problemsJSON, archivePath: archivePath,
            createdAt: now.timeIntervalSince1970)
        if let assessment {
            submission.program = assessment.program
            submission.documentName = assessment.documentName
            submission.documentJSON = assessment.document?.canonicalJSONObject().jsonText
            submission.checks = String(decoding: (try? JSONEncoder().encode(assessment.checks)) ?? Data("[]".utf8), as: UTF8.self)
            submission.applicationKey = assessment.applicationKey
        }
        submission.senderAddress = reading.senderAddress?.lowercased()
        submission.bodySHA256 = reading.isMail ? Self.bodySHA256(bytes) : nil
        submission.threadIDs = String(decoding: (try? JSONEncoder().encode(reading.threadIDs)) ?? Data("[]".utf8), as: UTF8.self)

        var events: [(String, String)] = []
        let received = HumanDates.dateTime(reading.receivedAt, in: tenant.timeZone)
        events.append(
            ("received", "received \(received) (\(reading.receiptSource)) as \(sourceName); archived as \(archivePath)")
        )
        if let recovery {
            events.append(
                (
                    "recovered",
                    "found in the archive as \(recovery.archivePath) with no record in the store (a store restored from a backup, or a commit lost to a power failure); ingested again from the archived original"
                ))
        }
        if let deadline {
            events.append(
                (
                    "deadline",
                    "due \(HumanDates.day(deadline.dueDate)) (\(tenant.sla.businessDays) business days), deadline \(ISO8601.format(deadline.deadline, in: tenant.timeZone))"
                ))
        }
        events += assessment?.events ?? []
        if let reason = reading.ignoredReason {
            events.append(("ignored", "not a submission: \(reason); no SLA, never answered"))
        }
        for problem in problems { events.append(("problem", problem)) }

        var file = IngestedFile(
            sourceName: sourceName, size: Int64(bytes.count), submission: submission, events: events, actor: actor)
        file.relatedEvents = answer.relatedEvents
        file.messages = answer.notices
        file.reviewAnswer = answer.reviewAnswer
        return step(
            .record(.init(identity: identity, bytes: bytes, archivePath: recovery == nil ? archivePath : nil, file: file)))
    }

    /// Commits prepared files as one group: each archive copy written and fsynced,
    /// each archive folder fsynced once, one store transaction for the batch, then
    /// the inbox copies removed and each inbox folder fsynced once.
    ///
    /// The order is what makes a crash harmless: a file leaves the inbox only after
    /// its row is committed, and its row is committed only after its archived copy
    /// and that copy's name are on disk. A crash anywhere leaves each file in the
    /// inbox (its archive copy, if written, is rewritten identically on retry) or
    /// stored and archived, and then the next scan only removes it (`resume`,
    /// recognised by name and content hash): never lost, never stored twice.
    ///
    /// One result per prepared file, in order. A failure is the environment's (disk,
    /// database): that file stays where it was. When the batch's transaction fails
    /// the files are recorded one by one, so one file cannot hold back the others.
    public func commit(_ batch: [PreparedFile], now: Date) -> [Result<Outcome, any Error>] {
        var results = [Result<Outcome, any Error>?](repeating: nil, count: batch.count)
        var recording: [(index: Int, record: PreparedFile.Record)] = []
        var archiveFolders: [String: URL] = [:]
        for (index, prepared) in batch.enumerated() {
            switch prepared.step {
            case .quarantine(let reason):
                results[index] = Result { try quarantine(prepared.entry, reason: reason, removeSource: prepared.removeSource, now: now) }
            case .skip(let reason):
                results[index] = .success(.skipped(reason: reason))
            case .resume(_, let number):
                results[index] = .success(.resumed(id: submissionID(number)))
            case .record(let record):
                do {
                    if let path = record.archivePath {
                        let folder = try archive.store(record.bytes, at: path, syncingFolder: false)
                        archiveFolders[folder.path] = folder
                    }
                    recording.append((index, record))
                } catch {
                    results[index] = .failure(error)
                }
            }
        }
        // The names of the archived copies, durable before any row refers to them.
        do {
            for folder in archiveFolders.values { try DurableFile.syncFolder(folder) }
        } catch {
            for (index, _) in recording { results[index] = .failure(error) }
            recording = []
        }
        if !recording.isEmpty { CrashPoint.archived.reach() }
        var committed: [(index: Int, outcome: IngestOutcome)] = []
        do {
            let outcomes = try store.recordIngestedFiles(recording.map(\.record.file), at: now)
            committed = zip(recording.map(\.index), outcomes).map { ($0, $1) }
        } catch where error.isStoreWide || recording.count == 1 {
            // Locked by another process or damaged: each file alone would wait and fail the
            // same way (a batch of 32 behind a 10 s busy timeout each); all stay for the next pass.
            for (index, _) in recording { results[index] = .failure(error) }
        } catch {
            // One by one: the batch's error may be one file's.
            for (index, record) in recording {
                do {
                    committed.append((index, try store.recordIngestedFile(record.file, at: now)))
                } catch {
                    results[index] = .failure(error)
                }
            }
        }
        if !committed.isEmpty { CrashPoint.committed.reach() }
        for (index, outcome) in committed {
            switch outcome {
            case .stored(let number):
                results[index] = .success(.stored(id: submissionID(number), verdict: recordedVerdict(batch[index])))
            case .duplicate(let number): results[index] = .success(.duplicate(of: submissionID(number)))
            case .alreadyStored(let number): results[index] = .success(.resumed(id: submissionID(number)))
            }
        }
        // Only now, with the bytes archived and the rows committed (and on disk:
        // synchronous = FULL), may the inbox copies go: each removed, then each
        // folder synced once.
        var inboxFolders: [ObjectIdentifier: FolderHandle] = [:]
        var removed: [Int] = []
        for (index, prepared) in batch.enumerated() where prepared.removeSource {
            guard case .success(let outcome) = results[index] else { continue }
            let identity: FileIdentity
            switch (prepared.step, outcome) {
            case (.resume(let id, _), _): identity = id
            case (.record(let record), _): identity = record.identity
            default: continue
            }
            if removed.count == 1 { CrashPoint.partlyRemoved.reach() }
            do {
                try prepared.entry.remove(ifStill: identity, syncingFolder: false)
                inboxFolders[ObjectIdentifier(prepared.entry.folder)] = prepared.entry.folder
                removed.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        do {
            for folder in inboxFolders.values { try folder.sync() }
        } catch {
            // Stored, but the removal may not be durable: a restart finds the file and resumes.
            for index in removed { results[index] = .failure(error) }
        }
        return results.map { $0 ?? .failure(StoreError.internalInconsistency("no result for a prepared file")) }
    }

    private func recordedVerdict(_ prepared: PreparedFile) -> String {
        if case .record(let record) = prepared.step { return record.file.submission.verdict }
        return Verdict.ignored.rawValue
    }

    public func submissionID(_ number: Int64) -> String { "\(tenant.id)-\(number)" }

    private func quarantine(_ entry: InboxEntry, reason: String, removeSource: Bool, now: Date) throws -> Outcome {
        if removeSource {
            let destination = try archive.quarantine(entry, reason: reason, at: now)
            return .quarantined(reason: reason, to: destination)
        }
        return .quarantined(reason: reason, to: entry.url)
    }

    private func tooLarge(_ size: Int64, atLeast: Bool = false) -> String {
        "the file is \(atLeast ? "over " : "")\(atLeast ? Int64(maxMessageBytes) : size) bytes, over the limit of \(maxMessageBytes) bytes (limits.max_message_bytes)"
    }

    /// Gives rows stored before the store knew body hashes (schema v3) the hash of
    /// their archived original's body, so a later message reusing their Message-ID
    /// is compared by body. Rows whose original cannot be read keep none (and are
    /// then never taken as the same message). Returns how many were filled in.
    @discardableResult
    public func backfillBodyHashes() throws -> Int {
        var filled = 0
        for row in try store.rowsMissingBodyHash() {
            guard let bytes = try? DurableFile.read(archive.root.appendingPathComponent(row.archivePath)) else { continue }
            try store.setBodyHash(Self.bodySHA256(bytes), senderAddress: nil, on: row.number)
            filled += 1
        }
        return filled
    }

    /// SHA-256 of what follows the header block (the first empty line), or of all
    /// the bytes when there is none: the same message delivered twice differs only
    /// in its headers (`Received:`, `Delivered-To:`), never in its body.
    static func bodySHA256(_ bytes: [UInt8]) -> String {
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                let next = index + 1
                if next < bytes.count, bytes[next] == 0x0A {
                    start = next + 1
                    break
                }
                if next + 1 < bytes.count, bytes[next] == 0x0D, bytes[next + 1] == 0x0A {
                    start = next + 2
                    break
                }
            }
            index += 1
        }
        return SHA256.hash(data: bytes[start...]).map { String(format: "%02x", $0) }.joined()
    }

    /// What the pipeline needs from a file, whether mail or a bare document.
    struct Reading {
        var subject: String?
        var sender: String?
        var senderAddress: String?
        var messageID: String?
        var dateHeader: String?
        var receivedAt: Date
        var receiptSource: String
        var ignoredReason: String?
        var problems: [String]
        /// Files that may hold the self-assessment: the attachments, or the bare document itself.
        var candidates: [SubmissionAssessor.Candidate] = []
        /// Every attachment's file name (TECH-DOCS accepts a diagram attached to the same message).
        var attachmentNames: [String] = []
        /// `In-Reply-To` and `References` Message-IDs: a reply is a revision of what it answers.
        var threadIDs: [String] = []
        /// A message with headers, as opposed to a bare document.
        var isMail = false
        /// An iTIP `METHOD:REPLY` the message carries (an answer to a review invitation).
        var calendarReply: CalendarReply?
    }

    private func read(_ bytes: [UInt8], entry: InboxEntry, name: String, now: Date) throws(MessageReadError) -> Reading {
        let fallback = fallbackReceipt(entry, name: name)
        // A file named like a self-assessment document is a bare document (PRODUCT.md §3).
        if DocumentFormat(fileName: name) != nil {
            // A bare document has no envelope: the sender is unknown (PRODUCT.md §3).
            return Reading(
                subject: nil, sender: nil, senderAddress: nil, messageID: nil, dateHeader: nil, receivedAt: fallback.date,
                receiptSource: fallback.source, ignoredReason: nil, problems: [],
                candidates: [.init(name: name, bytes: bytes)], attachmentNames: [name])
        }
        let message = try MessageReader.read(bytes)
        var problems = message.problems
        var receivedAt = fallback.date
        var source = fallback.source
        if let header = message.receivedAt {
            // A Received: stamp from a clock far in the future would push the deadline out;
            // trust the delivery time instead and say so.
            if header.timeIntervalSince(now) > 3600 {
                problems.append(
                    "the topmost Received: time \(ISO8601.format(header, in: tenant.timeZone)) is in the future; used the \(fallback.source) time instead"
                )
            } else {
                receivedAt = header
                source = "received-header"
            }
        } else {
            problems.append("no usable Received: header; receipt time taken from the \(fallback.source)")
        }
        let names = message.attachments.map { $0.filename ?? $0.safeFilename }
        return Reading(
            subject: message.subject, sender: message.from?.formatted, senderAddress: message.from?.address,
            messageID: message.messageID, dateHeader: message.dateHeader, receivedAt: receivedAt, receiptSource: source,
            ignoredReason: message.automaticReply, problems: problems,
            candidates: zip(names, message.attachments).map { .init(name: $0, bytes: $1.bytes) },
            attachmentNames: names, threadIDs: Self.threadIDs(message), isMail: true,
            calendarReply: CalendarReply.find(in: message.root))
    }

    /// Message-IDs this message answers (`In-Reply-To`, `References`), angle brackets kept.
    static func threadIDs(_ message: ParsedMessage) -> [String] {
        var ids: [String] = []
        for name in ["In-Reply-To", "References"] {
            for field in message.headers.all(named: name) {
                var rest = Substring(field.value)
                while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
                    let id = String(rest[open...close])
                    if !ids.contains(id) { ids.append(id) }
                    rest = rest[rest.index(after: close)...]
                }
            }
        }
        return ids
    }

    private func fallbackReceipt(_ entry: InboxEntry, name: String) -> (date: Date, source: String) {
        if let stamp = InboxEntry.maildirTimestamp(of: name) { return (stamp, "maildir-name") }
        return (entry.modified, "mtime")
    }
}
