import Foundation

/// One message the desk wrote, as Python's `email` package (`policy.default`)
/// reads it; its `text/calendar` part, when there is one, as the `icalendar`
/// package reads it. Real parsers, so a test sees what a mail or calendar program sees.
public struct OutboxMail: Sendable {
    public var file: String
    public var from: String
    public var to: [String]
    public var cc: [String]
    public var subject: String
    public var messageID: String
    public var inReplyTo: String
    public var references: String
    public var autoSubmitted: String
    /// `X-Competency-Purpose`: `alert-at-risk`, `scheduling-notice`, `review-declined`, …
    public var purpose: String
    /// `X-Competency-Submission`.
    public var submission: String
    public var attachments: [String]
    /// The plain-text body.
    public var body: String
    /// The invitation, when the message has a `text/calendar` part (and `icalendar` is installed).
    public var calendar: CalendarPart?

    public struct CalendarPart: Sendable {
        /// `method=` of the part's Content-Type.
        public var contentTypeMethod: String
        public var method: String
        public var uid: String
        public var sequence: Int
        public var start: String
        public var end: String
        public var status: String
        public var organizer: String
        /// `mailto:` URIs.
        public var attendees: [String]
        public var description: String
    }
}

public enum OutboxReader {
    /// Every message in `Outbox/<tenant>/new` of `desk`, by file name.
    public static func messages(_ desk: TemporaryDesk, tenant: String = "retail-jp") throws -> [OutboxMail] {
        try messages(in: desk.root.appendingPathComponent("Outbox/\(tenant)/new"))
    }

    /// Every message file in `folder`, by file name (none when the folder does not exist).
    public static func messages(in folder: URL) throws -> [OutboxMail] {
        let run = try ProgramRun.runTool("python3", ["-c", script, folder.path])
        guard run.status == 0 else { throw HarnessError("reading the outbox with Python failed: \(run.stderr)") }
        guard let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] else {
            throw HarnessError("the outbox reader printed no JSON array: \(run.stdout)")
        }
        return rows.map(mail)
    }

    /// One message's bytes, read the same way.
    public static func message(_ bytes: Data) throws -> OutboxMail {
        let folder = try TemporaryFolder("outbox-reader")
        try bytes.write(to: folder.file("message"))
        guard let mail = try messages(in: folder.url).first else { throw HarnessError("the message was not read") }
        return mail
    }

    static func mail(_ row: [String: Any]) -> OutboxMail {
        func text(_ key: String, _ from: [String: Any] = row) -> String { from[key] as? String ?? "" }
        var calendar: OutboxMail.CalendarPart?
        if let part = row["calendar"] as? [String: Any] {
            calendar = OutboxMail.CalendarPart(
                contentTypeMethod: text("content_type_method", part), method: text("method", part),
                uid: text("uid", part), sequence: (part["sequence"] as? Int) ?? -1, start: text("start", part),
                end: text("end", part), status: text("status", part), organizer: text("organizer", part),
                attendees: part["attendees"] as? [String] ?? [], description: text("description", part))
        }
        return OutboxMail(
            file: text("file"), from: text("from"), to: row["to"] as? [String] ?? [], cc: row["cc"] as? [String] ?? [],
            subject: text("subject"), messageID: text("message_id"), inReplyTo: text("in_reply_to"),
            references: text("references"), autoSubmitted: text("auto_submitted"), purpose: text("purpose"),
            submission: text("submission"), attachments: row["attachments"] as? [String] ?? [], body: text("body"),
            calendar: calendar)
    }

    static let script = #"""
        import email, email.policy, json, os, sys
        try:
            import icalendar
        except ImportError:
            icalendar = None
        folder = sys.argv[1]
        def addresses(m, name):
            header = m[name]
            return [a.addr_spec for a in header.addresses] if header is not None else []
        def calendar(m):
            parts = [p for p in m.walk() if p.get_content_type() == 'text/calendar']
            if not parts or icalendar is None:
                return None
            cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
            event = [c for c in cal.walk('VEVENT')][0]
            attendees = event.get('ATTENDEE', [])
            if not isinstance(attendees, list):
                attendees = [attendees]
            return {'content_type_method': parts[0]['Content-Type'].params.get('method', ''),
                    'method': str(cal.get('METHOD', '')), 'uid': str(event['UID']), 'sequence': int(event.get('SEQUENCE', -1)),
                    'start': event['DTSTART'].dt.isoformat(), 'end': event['DTEND'].dt.isoformat(),
                    'status': str(event.get('STATUS', '')), 'organizer': str(event.get('ORGANIZER', '')),
                    'attendees': sorted(str(a) for a in attendees), 'description': str(event.get('DESCRIPTION', ''))}
        out = []
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            with open(os.path.join(folder, name), 'rb') as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.default)
            body = m.get_body(preferencelist=('plain',))
            out.append({'file': name, 'from': str(m['From']), 'to': addresses(m, 'To'), 'cc': addresses(m, 'Cc'),
                        'subject': str(m['Subject']), 'message_id': str(m['Message-ID']),
                        'in_reply_to': str(m['In-Reply-To']), 'references': str(m['References']),
                        'auto_submitted': str(m['Auto-Submitted']), 'purpose': str(m['X-Competency-Purpose']),
                        'submission': str(m['X-Competency-Submission']),
                        'attachments': [p.get_filename() for p in m.iter_attachments()],
                        'body': body.get_content() if body is not None else '',
                        'calendar': calendar(m)})
        print(json.dumps(out))
        """#
}

extension DaemonHarness {
    /// `competencyd --config PATH --once` at `now` (`COMPETENCY_NOW`, ISO 8601).
    public func once(at now: String) throws -> ProgramRun {
        try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"],
            environment: environment.merging(["COMPETENCY_NOW": now]) { $1 })
    }

    /// `competency --config PATH <arguments>` at `now`, in the contract's order (§9).
    public func competency(_ arguments: [String], at now: String) throws -> ProgramRun {
        try ProgramRun.run(
            "competency", ["--config", desk.configFile.path] + arguments,
            environment: environment.merging(["COMPETENCY_NOW": now]) { $1 })
    }

    /// `competency show ID --json` at `now`, decoded.
    public func show(_ id: String, at now: String) throws -> [String: Any] {
        let run = try competency(["show", id, "--json"], at: now)
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        else { throw HarnessError("show \(id) failed (\(run.status)): \(run.stderr)") }
        return object
    }
}
