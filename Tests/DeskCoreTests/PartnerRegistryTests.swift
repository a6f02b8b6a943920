import DeskCore
import Testing

@Suite struct CSVTableTests {
    @Test func quotedFieldsLineBreaksAndPositions() throws {
        let table = try CSVTable(parsing: "\u{FEFF}path,value\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\r\nx,\"two\nlines\"\nlast,row")
        #expect(table.rows.map { $0.map(\.value) } == [["path", "value"], ["a,b", "say \"hi\""], ["x", "two\nlines"], ["last", "row"]])
        #expect(table.rows[2][1].line == 4)
        #expect(table.rows[3][0].line == 6)
        #expect(table.rows[3][1].column == 2)
    }

    @Test(arguments: [
        ("a,\"b\nc", 1, "never closed"),
        ("a,b\nc,d\"e", 2, "quote inside"),
        ("a,\"b\"c", 1, "after a closing quote"),
    ])
    func malformedCSVNamesTheLine(_ text: String, _ line: Int, _ words: String) {
        #expect {
            _ = try CSVTable(parsing: text)
        } throws: { error in
            guard let error = error as? CSVTable.ParseError else { return false }
            return error.line == line && error.message.contains(words)
        }
    }
}

@Suite struct PartnerRegistryTests {
    static let csv = """
        apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email
        APN-310001,Aozora Commerce KK,premier,,aozora-commerce.example,aozora-pdm@partners.example,
        APN-310002,株式会社サクラ小売テック,advanced,iot;Migration,sakura-kouri.example;sakura.example,sakura-pdm@partners.example,sakura-pdr@partners.example
        APN-310005,"Acme Retail, Inc.",select,,acme.example,,
        """

    @Test func readsRowsWithListsAndEmptyCells() throws {
        let registry = try PartnerRegistry(csv: Self.csv)
        #expect(registry.partners.count == 3)
        #expect(registry.partners[1].competencies == ["iot", "migration"])
        #expect(registry.partners[1].senderDomains == ["sakura-kouri.example", "sakura.example"])
        #expect(registry.partners[0].pdrEmail == nil)
        #expect(registry.partners[2].name == "Acme Retail, Inc.")
    }

    @Test(arguments: [
        ("APN-310002", nil, nil, "APN-310002", PartnerRegistry.Match.apnID),
        ("apn-310001", nil, nil, "APN-310001", .apnID),
        (nil, "㈱サクラ小売テック", nil, "APN-310002", .name),
        (nil, "サクラ小売テック株式会社", nil, "APN-310002", .name),
        (nil, "ＡＯＺＯＲＡ ＣＯＭＭＥＲＣＥ", nil, "APN-310001", .name),
        (nil, "aozora commerce k.k.", nil, "APN-310001", .name),
        (nil, "Acme Retail Inc", nil, "APN-310005", .name),
        (nil, "Unknown Partner", "hanako@mail.sakura.example", "APN-310002", .senderDomain),
        ("APN-999999", nil, "ken@aozora-commerce.example", "APN-310001", .senderDomain),
    ] as [(String?, String?, String?, String, PartnerRegistry.Match)])
    func matchesByIDThenNameThenDomain(_ apnID: String?, _ name: String?, _ sender: String?, _ expected: String, _ by: PartnerRegistry.Match) throws {
        let registry = try PartnerRegistry(csv: Self.csv)
        let match = try #require(registry.match(apnID: apnID, name: name, senderAddress: sender))
        #expect(match.partner.apnID == expected)
        #expect(match.by == by)
    }

    @Test func noMatchForStrangersOrLookalikeDomains() throws {
        let registry = try PartnerRegistry(csv: Self.csv)
        #expect(registry.match(name: "Aozora", senderAddress: "x@notsakura.example") == nil)
        #expect(registry.match(senderAddress: "x@sakura.example.evil") == nil)
    }

    @Test(arguments: [
        ("apn_id,name\nA,B", 1, "header"),
        ("apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email\nA,B,gold,,,,", 2, "tier"),
        ("apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email\nA,B,select,,,,\nA,C,select,,,,", 3, "also on line 2"),
        ("apn_id,name,tier,competencies,sender_domains,pdm_email,pdr_email\nA,B,select", 2, "3 fields"),
    ])
    func brokenRegistriesNameTheLine(_ csv: String, _ line: Int, _ words: String) {
        #expect {
            _ = try PartnerRegistry(csv: csv)
        } throws: { error in
            guard let error = error as? PartnerRegistry.ReadError else { return false }
            return error.line == line && error.description.contains(words)
        }
    }
}
