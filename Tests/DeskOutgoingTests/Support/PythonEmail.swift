import DeskTesting
import Foundation

/// A message as Python's `email` package reads it, in one of its two policies.
struct PythonReading: Decodable, Sendable {
    struct Attachment: Decodable, Sendable {
        var filename: String?
        var contentType: String
        var charset: String?
        var method: String?
        var data: Data
    }
    struct DateHeader: Decodable, Sendable {
        var timestamp: Double
        var offset: Int
    }

    /// Every header, by lower-cased name, values decoded (RFC 2047) and unfolded.
    var headers: [String: [String]]
    /// From, To, Cc, Reply-To as `[display name, address]` pairs, names decoded.
    var addresses: [String: [[String]]]
    /// The text part, decoded, line endings as LF.
    var body: String?
    var attachments: [Attachment]
    /// Everything the parser found wrong (in the message, its parts, its headers).
    var defects: [String]
    var date: DateHeader?

    func header(_ name: String) -> String? { headers[name.lowercased()]?.first }
    func mailboxes(_ name: String) -> [[String]] { addresses[name.lowercased()] ?? [] }
}

/// Both readings of one message.
struct PythonReadings: Decodable, Sendable {
    var compat32: PythonReading
    var `default`: PythonReading
    var both: [PythonReading] { [compat32, `default`] }
}

enum PythonEmail {
    /// Reads `message` with `email.message_from_bytes` twice: in the compat32
    /// default policy (headers unfolded and decoded with `decode_header` and
    /// `make_header`, as programs using it do) and with `policy=email.policy.default`.
    static func read(_ message: Data) throws -> PythonReadings {
        let folder = try TemporaryFolder("python-email")
        let script = folder.file("read.py")
        let input = folder.file("message.eml")
        try Data(readerScript.utf8).write(to: script)
        try message.write(to: input)
        let result = try TestProcess.run(["python3", script.path, input.path])
        guard result.status == 0 else {
            throw TestFailure("python3 read.py exited \(result.status): \(result.error)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(PythonReadings.self, from: result.output)
    }

    static let readerScript = #"""
        import base64, email, email.policy, json, re, sys
        from email.header import decode_header, make_header
        from email.utils import getaddresses, parsedate_to_datetime

        ADDRESS_HEADERS = ("from", "to", "cc", "reply-to", "bcc")

        def unfold(value):
            return re.sub(r"\r?\n(?=[ \t])", "", value)

        def decoded(value):
            return str(make_header(decode_header(unfold(value))))

        def read(raw, modern):
            if modern:
                message = email.message_from_bytes(raw, policy=email.policy.default)
            else:
                message = email.message_from_bytes(raw)
            result = {"headers": {}, "addresses": {}, "body": None, "attachments": [], "defects": [], "date": None}
            result["defects"] += [repr(d) for d in message.defects]
            for name, value in message.items():
                key = name.lower()
                text = str(value) if modern else decoded(value)
                result["headers"].setdefault(key, []).append(text)
                if modern:
                    result["defects"] += ["%s: %r" % (name, d) for d in getattr(value, "defects", ())]
                if key in ADDRESS_HEADERS:
                    if modern:
                        pairs = [[a.display_name, a.addr_spec] for a in value.addresses]
                    else:
                        pairs = [[decoded(n), a] for n, a in getaddresses([unfold(value)])]
                    result["addresses"].setdefault(key, []).extend(pairs)
            if message["date"] is not None:
                when = parsedate_to_datetime(str(message["date"]))
                result["date"] = {"timestamp": when.timestamp(), "offset": int(when.utcoffset().total_seconds())}
            for part in message.walk():
                result["defects"] += [repr(d) for d in part.defects] if part is not message else []
                if part.is_multipart():
                    continue
                filename = part.get_filename()
                if filename is None and part.get_content_type() == "text/plain" and result["body"] is None:
                    if modern:
                        text = part.get_content()
                    else:
                        text = part.get_payload(decode=True).decode(part.get_content_charset() or "ascii")
                    result["body"] = text.replace("\r\n", "\n")
                    continue
                result["attachments"].append({
                    "filename": filename,
                    "content_type": part.get_content_type(),
                    "charset": part.get_param("charset"),
                    "method": part.get_param("method"),
                    "data": base64.b64encode(part.get_payload(decode=True)).decode("ascii"),
                })
            return result

        raw = open(sys.argv[1], "rb").read()
        json.dump({"compat32": read(raw, False), "default": read(raw, True)}, sys.stdout, ensure_ascii=True)
        """#
}
