import Testing

@testable import DeskMail

@Suite("Mail addresses")
struct MailAddressTests {
    @Test(
        "first mailbox of a header value",
        arguments: [
            ("Hanako Sato <hanako@example.com>", "Hanako Sato", "hanako@example.com"),
            ("<hanako@example.com>", nil, "hanako@example.com"),
            ("hanako@example.com", nil, "hanako@example.com"),
            ("hanako@example.com (Hanako Sato)", nil, "hanako@example.com"),  // a comment is not a name (RFC 5322, Python)
            ("\"Sato, Hanako\" <hanako@example.com>", "Sato, Hanako", "hanako@example.com"),
            ("\"Hanako \\\"H\\\" Sato\" <h@example.com>", "Hanako \"H\" Sato", "h@example.com"),
            (
                "=?iso-2022-jp?b?GyRCOjRGIxsoQiAbJEIyVjtSGyhC?=\t<hanako.sato@sakura-kouri.example>", "佐藤 花子",
                "hanako.sato@sakura-kouri.example"
            ),
            ("AWS =?utf-8?b?5bCP5aOy?= <office@example.com>", "AWS 小売", "office@example.com"),
            ("\"=?utf-8?b?5bCP5aOy?=\" <office@example.com>", "小売", "office@example.com"),
            ("Team: a@example.com, b@example.com;", nil, "a@example.com"),
            ("<@relay.example:user@example.com>", nil, "user@example.com"),
            ("MAILER-DAEMON (Mail Delivery System)", nil, "MAILER-DAEMON"),
            // the null address of bounces keeps its name (cpython msg_43, sisimai dragonfly)
            ("MAILER DAEMON <>", "MAILER DAEMON", ""),
            // two addresses without a comma are not glued together (ruby-mail raw_email_multiple_from)
            ("tim@powerupdev.com concierge@powerupdev.com", nil, "tim@powerupdev.com"),
            // an address used as a name keeps its `@` (spamscope mail_test_19)
            ("alice@example.com <bob@example.com>", "alice@example.com", "bob@example.com"),
            ("Hanako (Sales) <hanako@example.com>, Ken <ken@example.com>", "Hanako", "hanako@example.com"),
            ("\"john doe\"@example.com", nil, "\"john doe\"@example.com"),
            ("Hanako Sato hanako@example.com", "Hanako Sato", "hanako@example.com"),
        ] as [(String, String?, String)])
    func firstMailbox(value: String, name: String?, address: String) throws {
        let mailbox = try #require(MailAddress.parseList(value).first)
        #expect(mailbox.displayName == name)
        #expect(mailbox.address == address)
    }

    @Test("every mailbox of a list, groups flattened")
    func wholeList() {
        let list = MailAddress.parseList(
            "A <a@x.example>, b@y.example, Group: c@z.example, D <d@z.example>;, undisclosed-recipients:;")
        #expect(list.map(\.address) == ["a@x.example", "b@y.example", "c@z.example", "d@z.example"])
    }

    @Test(
        "empty and address-less values give nothing",
        arguments: ["", "   ", "undisclosed-recipients:;", "<>", "(only a comment)"])
    func nothing(value: String) {
        #expect(MailAddress.parseList(value).isEmpty)
    }

    @Test(
        "formatted",
        arguments: [
            (MailAddress(displayName: "Hanako Sato", address: "h@example.com"), "Hanako Sato <h@example.com>"),
            (MailAddress(displayName: nil, address: "h@example.com"), "h@example.com"),
            (MailAddress(displayName: "", address: "h@example.com"), "h@example.com"),
            (MailAddress(displayName: "Sato, Hanako", address: "h@example.com"), "\"Sato, Hanako\" <h@example.com>"),
            (MailAddress(displayName: "佐藤 花子", address: "h@example.com"), "佐藤 花子 <h@example.com>"),
            (MailAddress(displayName: "say \"hi\"", address: "h@example.com"), "\"say \\\"hi\\\"\" <h@example.com>"),
        ])
    func formatted(mailbox: MailAddress, expected: String) {
        #expect(mailbox.formatted == expected)
    }

    @Test("local part and domain")
    func parts() {
        let mailbox = MailAddress(address: "Hanako.Sato@Example.COM")
        #expect(mailbox.localPart == "Hanako.Sato")
        #expect(mailbox.domain == "example.com")
        #expect(MailAddress(address: "MAILER-DAEMON").domain == nil)
    }
}
