import DeskTesting
import DeskOutgoing
import Foundation

/// Messages the tests render, and checks over rendered bytes.
enum MessageSamples {
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    /// 2026-12-07 09:30:05 in Tokyo (a Monday).
    static let date = Date(timeIntervalSince1970: 1_796_603_405)

    static let office = Mailbox("retail-jp-office@desk.example.co.jp", name: "AWS リテール コンピテンシー事務局")
    static let japaneseSubject = "【SLA】締め切りが迫っています: 株式会社サンプル (retail-jp-42)"
    /// Long enough for several encoded words.
    static let longJapaneseSubject =
        "【SLA 期限超過】株式会社サンプル・ホールディングス（リテール コンピテンシー申請 retail-jp-42）の"
        + "一次回答期限 2026年12月7日（月）23:59 を過ぎました。至急ご対応ください。担当: 佐藤 花子 / 審査チーム"

    static let japaneseBody = """
        株式会社サンプル 佐藤 花子 様

        リテール コンピテンシーの申請 (retail-jp-42) の一次回答期限が迫っています。
        期限: 2026-12-07 (月) 23:59 +09:00 （残り 1 営業日）
        判定: incomplete
        不足している項目:
        - customer_references: 公開事例が 2 件必要です（1 件）
        From この行は「From 」で始まります。
        .この行はドットで始まります。
        末尾に空白があります。\u{20}\u{20}\u{20}
        詳細: competency show retail-jp-42
        """

    static let englishBody = """
        Dear Partner Team,

        The first response for retail-us-7 is due on Mon 7 Dec 2026 23:59 -05:00 (1 business day left).
        This line is deliberately very long so that quoted-printable has to break it with soft line breaks, more than once, and then some more words = signs included == and a café.
        From here on, a line starts with "From " (mbox would mangle it).
        .A line that starts with a dot.
        .
        Trailing spaces follow:\u{20}\u{20}\u{20}
        Trailing tab follows:\t
        ================================================================================x
        Run: competency show retail-us-7
        """

    /// An alert the way the desk sends one: Japanese subject, names, threading headers.
    static func alert(subject: String = japaneseSubject, body: String = japaneseBody) -> OutgoingMessage {
        var message = OutgoingMessage(
            from: office,
            to: [Mailbox("pdm@partner.example", name: "佐藤 花子"), Mailbox("hanako.sato@sample.example")],
            cc: [Mailbox("retail-jp-list@desk.example.co.jp", name: "Sato, Hanako (審査)")],
            subject: subject, textBody: body,
            messageID: makeMessageID(local: "alert.retail-jp-42.at-risk", domain: "desk.example.co.jp"),
            date: date, timeZone: tokyo)
        message.replyTo = Mailbox("reviewers@desk.example.co.jp", name: "Reviewers, \"Retail\" JP")
        message.inReplyTo = "CAF=x+partner.42@mail.partner.example"
        message.references = [
            "first.message.from.the.partner.with.a.long.id@mail.partner.example",
            "CAF=x+partner.42@mail.partner.example",
        ]
        message.extraHeaders = [("X-Competency-Submission", "retail-jp-42"), ("X-Competency-Tenant", "retail-jp")]
        return message
    }

    /// Every line of `bytes`, without its CRLF; fails on a bare CR or LF.
    static func crlfLines(_ bytes: Data) throws -> [String] {
        let array = [UInt8](bytes)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < array.count {
            switch array[index] {
            case 0x0D:
                guard index + 1 < array.count, array[index + 1] == 0x0A else {
                    throw TestFailure("bare CR at byte \(index)")
                }
                lines.append(String(decoding: array[start..<index], as: UTF8.self))
                index += 2
                start = index
            case 0x0A:
                throw TestFailure("bare LF at byte \(index)")
            default:
                index += 1
            }
        }
        guard start == array.count else { throw TestFailure("the message does not end with CRLF") }
        return lines
    }

    /// The header lines (up to the first empty line).
    static func headerLines(_ bytes: Data) throws -> [String] {
        Array(try crlfLines(bytes).prefix { !$0.isEmpty })
    }

    /// Every `=?…?=` encoded word in `lines`.
    static func encodedWords(_ lines: [String]) -> [String] {
        lines.flatMap { line in
            line.split(separator: " ").filter { $0.hasPrefix("=?") && $0.contains("?=") }.map { word in
                String(word.prefix { $0 != ">" && $0 != "," })
            }
        }
    }
}
