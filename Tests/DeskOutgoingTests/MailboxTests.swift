import DeskTesting
import DeskMail
import Foundation
import Testing

@testable import DeskOutgoing

@Suite("Mailbox.parse: only a well-formed address is ever written to")
struct MailboxTests {
    @Test(
        "accepted",
        arguments: [
            ("pdm@partner.example", nil, "pdm@partner.example"),
            ("  pdm@partner.example  ", nil, "pdm@partner.example"),
            (
                "Hanako.Sato+competency@Sakura-Kouri.example.co.jp", nil,
                "Hanako.Sato+competency@Sakura-Kouri.example.co.jp"
            ),
            ("o'brien!#$%&*/=?^_`{|}~-@x1.example", nil, "o'brien!#$%&*/=?^_`{|}~-@x1.example"),
            ("\"john.doe\"@example.com", nil, "\"john.doe\"@example.com"),
            ("Hanako Sato <hanako@example.com>", "Hanako Sato", "hanako@example.com"),
            ("<hanako@example.com>", nil, "hanako@example.com"),
            ("\"Sato, Hanako\" <hanako@example.com>", "Sato, Hanako", "hanako@example.com"),
            ("\"say \\\"hi\\\"\" <h@example.com>", "say \"hi\"", "h@example.com"),
            ("佐藤 花子 <hanako@sakura.example>", "佐藤 花子", "hanako@sakura.example"),
            ("=?UTF-8?B?5L2Q6Jek?= <sato@sakura.example>", "佐藤", "sato@sakura.example"),
            ("J. Q. Public <jq@example.com>", "J. Q. Public", "jq@example.com"),
            (
                String(repeating: "a", count: 64) + "@example.com", nil,
                String(repeating: "a", count: 64) + "@example.com"
            ),
        ] as [(String, String?, String)])
    func accepted(text: String, name: String?, address: String) throws {
        let mailbox = try #require(Mailbox.parse(text))
        #expect(mailbox.displayName == name)
        #expect(mailbox.address == address)
    }

    @Test(
        "refused",
        arguments: [
            "", "   ", "a", "a@", "@b.c", "a b@c.d", "a@b", "a@-b.c", "a@b-.c", "<>", "a@b..c", "a..b@c.d", ".a@b.c",
            "a.@b.c", "a@b.c.", "a@.b.c", "MAILER-DAEMON@", "MAILER-DAEMON", "a@b.c\r\n", "a@b.c\nBcc: x@y.z",
            "a\u{0}@b.c", "a@b\u{7F}.c", "a@b.c\u{85}", "Name\r\n <a@b.c>", "\t a@b.c",
            String(repeating: "a", count: 65) + "@example.com",
            "a@" + String(repeating: "b", count: 64) + ".example",
            String(repeating: "a", count: 60) + "@"
                + Array(repeating: String(repeating: "b", count: 60), count: 4).joined(separator: "."),
            String(repeating: "x", count: 300),
            "a@b_c.example", "a@[192.0.2.1]", "a@192.0.2.1", "\"a b\"@c.example", "\"\"@c.example",
            "\"a\\\"b\"@c.example",
            "<@relay.example:user@example.com>", "a@b.c, d@e.f", "Team: a@b.c;", "a@b.c (comment)", "Name <a@b.c",
            "Name a@b.c>", "Name <a@b.c> trailing", "Sato, Hanako <h@example.com>", "\"unclosed <h@example.com>",
            "<a@b.c> <d@e.f>", "Name <>", "hanako@例え.jp", "花子@example.jp", "=?UTF-8?B?DQo=?= <a@b.example>",
        ])
    func refused(text: String) {
        #expect(Mailbox.parse(text) == nil)
    }

    @Test("domain is lower-cased, empty without an @")
    func domain() {
        #expect(Mailbox("Hanako@Sakura.EXAMPLE").domain == "sakura.example")
        #expect(Mailbox("nobody").domain == "")
    }

    @Test("a parsed header address passes only when its address is well-formed")
    func fromMailAddress() {
        let good = MailAddress(displayName: "佐藤 花子", address: "hanako@sakura.example")
        #expect(Mailbox(validating: good) == Mailbox("hanako@sakura.example", name: "佐藤 花子"))
        #expect(Mailbox(validating: MailAddress(displayName: "Mail Delivery System", address: "")) == nil)
        #expect(Mailbox(validating: MailAddress(address: "MAILER-DAEMON")) == nil)
    }
}

@Suite("makeMessageID")
struct MessageIDTests {
    @Test("stable, on the domain, safe characters only")
    func stable() {
        let id = makeMessageID(local: "alert.retail-jp-42.at-risk", domain: "Desk.Example.co.jp")
        #expect(id == "alert.retail-jp-42.at-risk@desk.example.co.jp")
        #expect(makeMessageID(local: "alert.retail-jp-42.at-risk", domain: "desk.example.co.jp") == id)
    }

    @Test(
        "unsafe characters are written as =XX, so different inputs give different ids",
        arguments: [
            ("a b", "a=20b"), ("a-b", "a-b"), ("a=b", "a=3Db"), ("<a>", "=3Ca=3E"), ("a\r\nb", "a=0D=0Ab"),
            (".a..b.", "=2Ea.=2Eb=2E"), ("申請", "=E7=94=B3=E8=AB=8B"), ("a@b", "a=40b"), ("", "message"),
        ])
    func escaped(local: String, expected: String) {
        #expect(makeMessageID(local: local, domain: "x.example") == expected + "@x.example")
    }

    @Test("a very long local part is cut and keeps a hash of the whole; a bad domain is cleaned")
    func long() {
        let one = makeMessageID(local: String(repeating: "a", count: 500) + "1", domain: "x.example")
        let two = makeMessageID(local: String(repeating: "a", count: 500) + "2", domain: "x.example")
        #expect(one != two)
        #expect(one.count < 200)
        #expect(makeMessageID(local: "a", domain: "<x.example>\r\n") == "a@x.example")
        #expect(makeMessageID(local: "a", domain: "..") == "a@invalid")
    }

    @Test("every id from makeMessageID is a valid msg-id (dot-atom-text @ dot-atom-text)")
    func valid() {
        for local in ["a", "alert.x.y", ".", "..", "a b c", "日本語", String(repeating: ".x", count: 200), "a.", "=="] {
            let id = makeMessageID(local: local, domain: "desk.example")
            let halves = id.split(separator: "@", omittingEmptySubsequences: false)
            let dotAtoms = halves.allSatisfy { half in
                half.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
                    !atom.isEmpty && atom.utf8.allSatisfy(Mailbox.isAtext)
                }
            }
            #expect(halves.count == 2 && dotAtoms, "\(id)")
        }
    }
}
