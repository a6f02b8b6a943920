import Foundation

/// What `MessageReader` read from one message: the fields the desk needs,
/// decoded to Unicode, and what was damaged on the way.
public struct ParsedMessage: Sendable {
    /// The message as a MIME entity: its header block and raw body.
    public var root: MessagePart
    /// The Subject, RFC 2047 words decoded and unfolded; nil when absent.
    public var subject: String?
    /// The first mailbox of `From:`; nil when absent or unreadable.
    public var from: MailAddress?
    /// The Message-ID as written, angle brackets kept, whitespace trimmed
    /// (what Python's `email` returns); nil when absent or empty.
    public var messageID: String?
    /// The `Date:` value as written (unfolded); nil when absent.
    public var dateHeader: String?
    /// `Date:` as a moment; nil when absent or unreadable. Stored, never used
    /// for the SLA: the sender's clock is not the office's.
    public var date: Date?
    /// When the office's mail system received the message: the stamp after the
    /// last `;` of the topmost `Received:` field. Nil when there is none or it
    /// cannot be read; the caller then falls back to the Maildir name's time,
    /// then the file's modification time.
    public var receivedAt: Date?
    /// Why this is an automatic reply or a bounce (e.g. `Auto-Submitted:
    /// auto-replied`); nil for mail a person sent. Such mail is never answered.
    public var automaticReply: String?
    /// What was damaged or guessed, in plain words, each naming the part it
    /// is about (e.g. `part 2 (application/pdf): base64 had 3 junk characters, ignored`).
    public var problems: [String]
    /// The attached files, in message order (see `MessageContent` for which
    /// parts count), then any files uuencoded inline in the text.
    public var attachments: [Attachment]
    /// The decoded plain-text body: the first text/plain part that is not an
    /// attachment, by its charset (guesses recorded in `problems`), line ends
    /// as LF. Nil when the message has no text/plain part.
    public var text: String?

    /// Every header field in order, duplicates kept.
    public var headers: MessageHeaders {
        get { root.headers }
        set { root.headers = newValue }
    }

    /// The top-level type, lowercased `type/subtype`; `text/plain` by default.
    /// Setting it keeps the parameters and replaces type and subtype.
    public var contentType: String {
        get { root.contentType.mimeType }
        set {
            let parts = newValue.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { return }
            root.contentType.type = parts[0].lowercased()
            root.contentType.subtype = parts[1].lowercased()
        }
    }

    /// Creates a parsed message; `MessageReader.read` is the usual way to get one.
    public init(
        root: MessagePart,
        subject: String? = nil,
        from: MailAddress? = nil,
        messageID: String? = nil,
        dateHeader: String? = nil,
        date: Date? = nil,
        receivedAt: Date? = nil,
        automaticReply: String? = nil,
        problems: [String] = [],
        attachments: [Attachment] = [],
        text: String? = nil
    ) {
        self.root = root
        self.subject = subject
        self.from = from
        self.messageID = messageID
        self.dateHeader = dateHeader
        self.date = date
        self.receivedAt = receivedAt
        self.automaticReply = automaticReply
        self.problems = problems
        self.attachments = attachments
        self.text = text
    }
}
