import Foundation
import Testing

@testable import DeskMail

@Suite("Mail dates")
struct MailDateTests {
    /// `text` should mean the UTC moment `iso`.
    @Test(
        "readable dates",
        arguments: [
            ("Sun, 29 Nov 2026 10:54:31 +0900 (JST)", "2026-11-29T01:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 +0900", "2026-11-29T01:54:31Z"),
            ("29 Nov 2026 10:54:31 +0900", "2026-11-29T01:54:31Z"),  // no weekday
            ("Mon, 23 Nov 2026 23:20:57 +0000", "2026-11-23T23:20:57Z"),
            ("Mon, 23 Nov 2026 23:20:57 -0000", "2026-11-23T23:20:57Z"),
            ("Sun, 29 Nov 2026 10:54 +0900", "2026-11-29T01:54:00Z"),  // no seconds
            ("Sun, 29 Nov 26 10:54:31 +0900", "2026-11-29T01:54:31Z"),  // two-digit year
            ("Tue, 1 Jun 99 12:00:00 GMT", "1999-06-01T12:00:00Z"),
            ("1 Jan 126 00:00:00 GMT", "2026-01-01T00:00:00Z"),  // three-digit year
            ("Sun, 29 Nov 2026 10:54:31 JST", "2026-11-29T01:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 GMT", "2026-11-29T10:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 UT", "2026-11-29T10:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 EST", "2026-11-29T15:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 EDT", "2026-11-29T14:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 CST", "2026-11-29T16:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 CDT", "2026-11-29T15:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 MST", "2026-11-29T17:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 MDT", "2026-11-29T16:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 PST", "2026-11-29T18:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 pdt", "2026-11-29T17:54:31Z"),
            ("  Sun ,  29   Nov  2026   10:54:31   +0900  ", "2026-11-29T01:54:31Z"),  // extra whitespace
            ("Sun,29 Nov 2026 10:54:31 +0900", "2026-11-29T01:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 (a (nested) comment) +0530", "2026-11-29T05:24:31Z"),
            ("Sunday, 29 November 2026 10:54:31 +0900", "2026-11-29T01:54:31Z"),
            ("Sun Nov 29 10:54:31 2026", "2026-11-29T10:54:31Z"),  // asctime, no zone
            ("29-Nov-2026 10:54:31 +0900", "2026-11-29T01:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 GMT+0900", "2026-11-29T01:54:31Z"),
            ("Sun, 29 Nov 2026 10:54:31 +09:00", "2026-11-29T01:54:31Z"),
            ("Sat, 29 Feb 2028 00:00:00 +0000", "2028-02-29T00:00:00Z"),  // leap day
            ("Thu, 31 Dec 2026 23:59:59 -1200", "2027-01-01T11:59:59Z"),  // across a year end
            ("2026-11-29T10:54:31+09:00", "2026-11-29T01:54:31Z"),
        ])
    func readable(text: String, iso: String) throws {
        let expected = try #require(ISO8601DateFormatter().date(from: iso))
        #expect(MailDate.parse(text) == expected)
    }

    @Test(
        "unreadable dates",
        arguments: [
            "", "yesterday", "Sun, 29 Nov 2026", "31 Feb 2026 10:00:00 +0000", "29 Nov 2026 25:00:00 +0000",
            "29 Nov 2026 10:61:00 +0000", "29 Foo 2026 10:00:00 +0000", "29 Nov 2026 10:00:00 +2500",
            // Fuzzer regression (Fuzz/crashes/crash-9c5b871f…): a year this long trapped on overflow.
            "9 Apr 2008888888888 3:0", "29 Nov 99999999999999999 10:00:00 +0000",
        ])
    func unreadable(text: String) {
        #expect(MailDate.parse(text) == nil)
    }
}

/// Every input the fuzzer ever crashed on reads without trapping (Fuzz/crashes/).
@Suite("Fuzzer regressions")
struct FuzzerRegressionTests {
    @Test(arguments: [
        // crash-9c5b871f89a32ad87c7ba7a3105c15af4f13e039.minimized: an overflowing year in Date:
        Array("Date:9 Apr 2008888888888 3:0".utf8)
    ])
    func readsWithoutTrapping(_ bytes: [UInt8]) throws {
        let message = try MessageReader.read(bytes)
        #expect(message.date == nil)
        #expect(message.dateHeader != nil)
    }
}
