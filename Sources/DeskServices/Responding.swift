import DeskConfig
import DeskCore
import DeskMail
import DeskOutgoing
import DeskStore
import Foundation
import Logging

/// `competency respond` (PRODUCT.md §9; issue 9, item 5): the draft for a
/// submission, and sending it as the first response.
extension Desk {
    /// Everything `respond --dry-run` shows and `respond` sends.
    public struct ResponseDraft: Sendable {
        public var view: SubmissionView
        public var draft: ResponseDrafter.Draft
        public var from: Mailbox
    }

    /// Drafts the response to `id` (read-only: works for any reader of the tenant).
    public func responseDraft(_ id: String, now: Date, reviewer: String?) throws(DeskError) -> ResponseDraft {
        let (view, store) = try submission(id, now: now)
        guard let (tenant, _) = configuration.resolve(submissionID: id) else {
            throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id))
        }
        guard let mail = tenant.mail else {
            throw .badArgument(
                "tenant \(tenant.id) sends no mail: its file (\(tenant.sourceFile.lastPathComponent)) has no office: section; nothing was sent")
        }
        let registry: PartnerRegistry? = try partnerRegistry(of: tenant, failure: "the partner registry cannot be read, so the partner's domains are unknown")
        let headers = originalHeaders(view.record, tenant: tenant)
        let review: ReviewRecord?
        do { review = try store.review(of: view.record.number ?? 0) } catch { throw .failed(error.description) }
        let draft = try ResponseDrafter(tenant: tenant, mail: mail, registry: registry)
            .draft(view, originalHeaders: headers, reviewer: reviewer, review: review, now: now)
        return ResponseDraft(view: view, draft: draft, from: mail.office)
    }

    /// The archived original's header, when it is a message (nil for a bare document).
    func originalHeaders(_ record: SubmissionRecord, tenant: TenantConfiguration) -> MessageHeaders? {
        let path =
            record.archivePath.hasPrefix("/")
            ? URL(fileURLWithPath: record.archivePath) : tenant.archive.appendingPathComponent(record.archivePath)
        guard let handle = try? FileHandle(forReadingFrom: path) else { return nil }
        defer { try? handle.close() }
        // The header is at the start; 1 MiB holds any header the reader accepts.
        guard let data = try? handle.read(upToCount: 1 << 20) else { return nil }
        var bytes = [UInt8](data)
        if let end = Self.endOfHeader(bytes) { bytes = Array(bytes[..<end]) + Array("\r\n\r\n".utf8) }
        return (try? MessageReader.read(bytes))?.headers
    }

    static func endOfHeader(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A && (bytes[index + 1] == 0x0A || (bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A)) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Records the response as sent by `actor` and hands it to the transport at once.
    /// `body` replaces the drafted text (`respond --edit`).
    func respond(_ id: String, by actor: String, again: Bool, body: String?, now: Date) throws(DeskError) -> DeskOutcome {
        var prepared = try responseDraft(id, now: now, reviewer: actor)
        if let body {
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .badArgument("the edited response is empty; nothing was sent")
            }
            prepared.draft.body = body.hasSuffix("\n") ? body : body + "\n"
        }
        let view = prepared.view
        guard let (tenant, _) = configuration.resolve(submissionID: id), let mail = tenant.mail,
            let number = view.record.number
        else { throw .unknownSubmission(id, knownTenants: configuration.tenants.map(\.id)) }
        let (_, store) = try submission(id, now: now, access: .write)
        let draft = prepared.draft
        let planned = OutgoingMail.compose(
            tenant: tenant, mail: mail, key: "\(draft.kind.rawValue).\(number).\(Int(now.timeIntervalSince1970))",
            purpose: draft.kind.rawValue, submissions: [number], to: draft.to, cc: draft.cc, subject: draft.subject,
            body: draft.body, at: now, inReplyTo: draft.inReplyTo, references: draft.inReplyTo.map { [$0] } ?? [],
            attachments: draft.attachments)
        let timing = Self.timing(view, now: now)
        let outcome: ResponseOutcome
        do {
            // The scheduling notice tells the partner this version of the review.
            let sequence =
                draft.kind == .schedulingNotice ? try store.review(of: number).map(\.sequence) : nil
            outcome = try store.queueResponse(
                planned, on: number, by: actor, again: again, detail: timing, reviewSequence: sequence, at: now)
        } catch {
            throw .failed(error.description)
        }
        if case .alreadyAnswered(let at) = outcome {
            throw .badArgument(
                "\(id) was already answered on \(ISO8601.format(at, in: tenant.timeZone)); add --again to send another response")
        }
        // Hand it over now; if the transport fails, the daemon retries it (competency outbox).
        var delivery = "queued"
        do {
            if let record = try store.outgoing(messageID: planned.messageID) {
                switch try OutgoingDelivery(store: store, transport: OutgoingDelivery.transport(for: mail))
                    .deliver(record, at: now)
                {
                case .sent(let detail): delivery = "sent (\(detail))"
                case .retrying(let at, let error):
                    delivery = "queued; the transport failed (\(error)), retried at \(ISO8601.format(at, in: tenant.timeZone))"
                case .failed(let error): delivery = "NOT sent: \(error) (see competency outbox)"
                case .notMine: delivery = "queued"
                }
            }
        } catch {
            delivery = "queued; the daemon will send it (\(error.description))"
        }
        var first = false
        if case .queued(let isFirst) = outcome { first = isFirst }
        return .responded(
            submission: id, kind: draft.kind.rawValue, to: draft.to.map(\.address), first: first, timing: timing,
            delivery: delivery)
    }

    /// "on time (due …)" or "late: … after the deadline".
    static func timing(_ view: SubmissionView, now: Date) -> String {
        guard let deadline = view.deadline else { return "no SLA" }
        let due = ISO8601.format(deadline.deadline, in: view.timeZone)
        if now <= deadline.deadline { return "on time (deadline \(due))" }
        let late = max(1, -(view.businessDaysLeft ?? -1))
        return "late: \(late) business day\(late == 1 ? "" : "s") after the deadline \(due)"
    }
}
