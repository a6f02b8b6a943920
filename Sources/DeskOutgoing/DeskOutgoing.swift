/// Outgoing mail: see `OutgoingMessage` (composition) and `MailTransport` (delivery).
enum DeskOutgoing {}
