import Foundation
import Testing

@testable import DeskServices

/// Reading a calendar program's answer (iTIP REPLY): quoted parameters, folded
/// lines, several events, alarms (issue 10, item 6).
@Suite struct CalendarReplyTests {
    @Test func outlooksReplyWithAQuotedColon() throws {
        let text = """
            BEGIN:VCALENDAR\r
            METHOD:REPLY\r
            VERSION:2.0\r
            BEGIN:VEVENT\r
            ATTENDEE;CN="Tanaka: Ops; Tokyo";PARTSTAT=DECLINED:mailto:Tanaka@Sakura-Kouri.exam\r
             ple\r
            UID:retail-jp-1.abc.review@competency-desk.example\r
            SEQUENCE:2\r
            BEGIN:VALARM\r
            UID:alarm-1\r
            END:VALARM\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:retail-jp-9.other.review@competency-desk.example\r
            SEQUENCE:7\r
            ATTENDEE;PARTSTAT=ACCEPTED:mailto:someone@else.example\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        let reply = try #require(CalendarReply.parse(text))
        #expect(reply.uid == "retail-jp-1.abc.review@competency-desk.example")
        #expect(reply.sequence == 2, "the first event's own SEQUENCE, not a later event's")
        #expect(reply.answers == [.init(address: "tanaka@sakura-kouri.example", partstat: "DECLINED")])
    }

    @Test func notAReply() {
        #expect(CalendarReply.parse("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") == nil)
        #expect(CalendarReply.parse("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") == nil)
        #expect(CalendarReply.parse("garbage") == nil)
    }
}

/// Finding the desk's own Message-IDs in a message's bytes (a bounce quotes them).
@Suite struct DeskMessageIDTests {
    @Test func foundInTheBytesCaseFoldedOnceEach() {
        let text = """
            In-Reply-To: <retail-jp.alert-at-risk.1.17@Competency-Desk.Example>\r
            References: <other@elsewhere.example> <retail-jp.alert-at-risk.1.17@competency-desk.example>\r
            \r
            Original-Message-ID:<retail-jp.respond.2.99@COMPETENCY-DESK.EXAMPLE>
            not an id: x@competency-desk.example> and <@competency-desk.example> and < spaced@competency-desk.example>
            """
        let ids = IngestPipeline.messageIDs(in: Array(text.utf8), domain: "competency-desk.example")
        #expect(ids == ["retail-jp.alert-at-risk.1.17@competency-desk.example", "retail-jp.respond.2.99@competency-desk.example"])
        #expect(IngestPipeline.messageIDs(in: Array("<a@competency-desk.example>".utf8), domain: "competency-desk.example") == ["a@competency-desk.example"])
        #expect(IngestPipeline.messageIDs(in: [], domain: "competency-desk.example").isEmpty)
        // At most maxDeskIDs are looked up.
        let many = (0..<50).map { "<id\($0)@competency-desk.example>" }.joined(separator: " ")
        #expect(IngestPipeline.messageIDs(in: Array(many.utf8), domain: "competency-desk.example").count == IngestPipeline.maxDeskIDs)
    }
}
