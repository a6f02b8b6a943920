import Foundation

/// Hands a rendered message to whatever takes it further (PRODUCT.md §8): the
/// tenant's outbox Maildir (`OutboxTransport`) or a sendmail-compatible program
/// (`SendmailTransport`).
///
/// `deliver` blocks (file writes and fsync, or a child process) and is meant to
/// run on the tenant's own thread, not on the shared concurrency pool. It
/// either returns, and the message is the transport's responsibility, or
/// throws, and it is not: the caller keeps it and tries again later unless the
/// error is `permanent`. Delivering the same `messageID` again is safe: the
/// outbox keeps one copy, and a mail system receiving a second copy sees the
/// same Message-ID and can drop it.
public protocol MailTransport: Sendable {
    /// Delivers `message` (from `OutgoingMessage.rendered()`), whose Message-ID
    /// is `messageID` (without brackets), to `recipients`.
    func deliver(_ message: Data, messageID: String, recipients: [Mailbox]) throws(TransportError) -> DeliveryReceipt
}

/// What a transport did with a message.
public struct DeliveryReceipt: Sendable, Equatable {
    /// For the history: the file written (`new/1f0c….competency`) or the program's
    /// result (`/usr/sbin/sendmail exit 0`).
    public var detail: String
    /// True when the transport already held this message (same Message-ID) and
    /// wrote nothing: a retry after a crash or a lost acknowledgement.
    public var alreadyThere: Bool

    public init(detail: String, alreadyThere: Bool) {
        self.detail = detail
        self.alreadyThere = alreadyThere
    }
}

/// Why a message could not be delivered, in words for the operator, and
/// whether trying again can help.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What failed, naming the file or the program and what to check.
    public var message: String
    /// True when the same message will fail the same way (a malformed
    /// recipient, a configuration the program rejects): retrying is pointless
    /// until someone acts. False for what passes (a mail server down, a full
    /// disk): the message is retried with backoff.
    public var permanent: Bool
    /// The program's exit status, for `SendmailTransport` failures that have one.
    public var exitStatus: Int32?

    public init(_ message: String, permanent: Bool, exitStatus: Int32? = nil) {
        self.message = message
        self.permanent = permanent
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
