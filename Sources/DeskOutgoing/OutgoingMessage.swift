import Foundation

/// One message the desk sends (PRODUCT.md §8): an alert, an information
/// request, a scheduling notice. It holds what the message says; `rendered()`
/// turns it into the RFC 5322 + MIME bytes a transport delivers.
///
/// Every message is marked `Auto-Submitted: auto-generated` (RFC 3834), so
/// vacation responders and the desk's own reader know it came from a program.
/// Threading: give `inReplyTo` and `references` (the partner's Message-ID and
/// its references) when the message answers one, and mail programs file it in
/// the partner's thread.
public struct OutgoingMessage: Sendable {
    /// The office that sends it (`From`).
    public var from: Mailbox
    public var to: [Mailbox]
    public var cc: [Mailbox]
    /// Where replies go when not to `from`.
    public var replyTo: Mailbox? = nil
    /// One line in any language; control characters become spaces.
    public var subject: String
    /// The text, in any language; line endings become CRLF and it ends with one.
    public var textBody: String
    /// Without angle brackets, e.g. `alert.retail-jp-42.at-risk@desk.example.co.jp`;
    /// make one with `makeMessageID(local:domain:)`. It also names the file in the
    /// outbox, so the same id is the same message.
    public var messageID: String
    public var date: Date
    /// The zone the `Date` header is written in (the tenant's).
    public var timeZone: TimeZone
    /// The Message-ID this answers, without angle brackets.
    public var inReplyTo: String? = nil
    /// The thread's Message-IDs, oldest first, without angle brackets.
    public var references: [String] = []
    public var attachments: [OutgoingAttachment] = []
    /// More fields, e.g. `("X-Competency-Submission", "retail-jp-42")`, written after
    /// the standard ones. A name the message writes itself (From, To, Cc, Bcc,
    /// Subject, Date, Message-ID, Content-Type, …) is left out: an extra header
    /// never adds a recipient or changes the structure.
    public var extraHeaders: [(String, String)] = []

    /// A text message; set `replyTo`, `inReplyTo`, `references`, `attachments`
    /// and `extraHeaders` afterwards as needed.
    public init(
        from: Mailbox, to: [Mailbox], cc: [Mailbox] = [], subject: String, textBody: String, messageID: String,
        date: Date, timeZone: TimeZone
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.textBody = textBody
        self.messageID = messageID
        self.date = date
        self.timeZone = timeZone
    }

    /// Everyone the message is addressed to (To, then Cc): the envelope
    /// recipients a `sendmail -t` program reads from the header.
    public var recipients: [Mailbox] { to + cc }
}
