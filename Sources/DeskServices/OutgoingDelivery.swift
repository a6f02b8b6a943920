import DeskConfig
import DeskOutgoing
import DeskStore
import Foundation
import Logging

/// Hands the outgoing queue to the tenant's transport (PRODUCT.md §8).
///
/// Contract — a message is recorded before it is handed over, and marked after:
/// - each attempt first claims the message for `lease` seconds
///   (`SubmissionStore.claimOutgoing`), so the daemon's loop and an operator's
///   direct command never hand the same message over at once;
/// - the transport took it → `sent` (history `mail-sent`);
/// - a temporary failure → retried after 1, 2, 4 … minutes, at most an hour apart,
///   for `maxAttempts` attempts (history `mail-failed` each time); a permanent one
///   (the transport says so, or the attempts run out) → `failed`, never retried;
/// - a crash between hand-over and mark leaves it pending with its lease: it is
///   handed over again with the same bytes and Message-ID once the lease ends. The
///   outbox finds it already there (exactly once); a sendmail program may deliver
///   a second copy with the same Message-ID (at least once).
public struct OutgoingDelivery: Sendable {
    public let store: SubmissionStore
    public let transport: any MailTransport
    public let lease: TimeInterval
    public static let maxAttempts = 48

    public init(store: SubmissionStore, transport: any MailTransport, lease: TimeInterval = 300) {
        self.store = store
        self.transport = transport
        self.lease = lease
    }

    /// The transport a tenant's settings name.
    public static func transport(for mail: MailSettings) -> any MailTransport {
        switch mail.transport {
        case .outbox(let folder): return OutboxTransport(folder: folder)
        case .sendmail(let command): return SendmailTransport(command: command)
        }
    }

    public enum Outcome: Sendable, Equatable {
        case sent(detail: String)
        case retrying(at: Date, error: String)
        case failed(error: String)
        /// Someone else holds it, or it is no longer pending.
        case notMine
    }

    public struct Summary: Sendable {
        public var sent = 0
        public var retrying = 0
        public var failed = 0
        public var errors: [String] = []
    }

    /// Delivers every message due at `now`, oldest first; stops between messages when asked.
    @discardableResult
    public func deliverDue(at now: @autoclosure () -> Date, logger: Logger, until shouldStop: () -> Bool = { false })
        throws(StoreError) -> Summary
    {
        var summary = Summary()
        for record in try store.dueOutgoing(at: now()) {
            if shouldStop() { break }
            let outcome = try deliver(record, at: now())
            var metadata: Logger.Metadata = [
                "message.id": "\(record.messageID)", "purpose": "\(record.purpose)",
                "to": "\(record.recipientList.joined(separator: ", "))",
            ]
            switch outcome {
            case .sent(let detail):
                summary.sent += 1
                metadata["detail"] = "\(detail)"
                logger.info("mail sent", metadata: metadata)
            case .retrying(let at, let error):
                summary.retrying += 1
                summary.errors.append(error)
                metadata["error"] = "\(error)"
                metadata["retry.at"] = "\(ISO8601DateFormatter().string(from: at))"
                logger.warning("mail not sent; will retry", metadata: metadata)
            case .failed(let error):
                summary.failed += 1
                summary.errors.append(error)
                metadata["error"] = "\(error)"
                logger.error("mail failed permanently; see competency outbox", metadata: metadata)
            case .notMine:
                break
            }
        }
        return summary
    }

    /// One attempt at one message.
    public func deliver(_ record: OutgoingRecord, at now: Date) throws(StoreError) -> Outcome {
        guard let id = record.id, try store.claimOutgoing(id, lease: lease, at: now) else { return .notMine }
        let recipients = record.recipientList.compactMap(Mailbox.parse)
        guard !recipients.isEmpty else {
            let error = "no well-formed recipient address"
            try store.markFailed(id, error: error, retryAt: nil, at: now)
            return .failed(error: error)
        }
        let handed: Result<DeliveryReceipt, TransportError>
        do throws(TransportError) {
            handed = .success(try transport.deliver(record.message, messageID: record.messageID, recipients: recipients))
        } catch {
            handed = .failure(error)
        }
        switch handed {
        case .success(let receipt):
            let detail = receipt.alreadyThere ? "\(receipt.detail) (already there from an earlier attempt)" : receipt.detail
            try store.markSent(id, detail: detail, at: now)
            return .sent(detail: detail)
        case .failure(let error):
            let attempt = record.attempts + 1
            if error.permanent || attempt >= Self.maxAttempts {
                let reason = error.permanent ? error.message : "\(error.message) (gave up after \(attempt) attempts)"
                try store.markFailed(id, error: reason, retryAt: nil, at: now)
                return .failed(error: reason)
            }
            let retryAt = now.addingTimeInterval(Self.backoff(afterAttempt: attempt))
            try store.markFailed(id, error: error.message, retryAt: retryAt, at: now)
            return .retrying(at: retryAt, error: error.message)
        }
    }

    /// 1, 2, 4 … minutes after the nth failed attempt, at most an hour.
    public static func backoff(afterAttempt attempt: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(max(0, min(attempt - 1, 12)))))
    }
}
