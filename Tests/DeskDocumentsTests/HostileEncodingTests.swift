import DeskCore
import Foundation
import Testing

@testable import DeskDocuments

/// Workbook XML in encodings that slip past a byte scan, and documents that
/// would bury the reviewer in problems.
struct HostileEncodingTests {
    /// A workbook part with an internal entity that, expanded, would put
    /// `EXPANDED` into the partner's name.
    static let sharedStringsWithEntity =
        #"<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x "EXPANDED">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&x;</t></si></sst>"#

    /// The sample workbook whose partner name is the first shared string, with
    /// `xl/sharedStrings.xml` replaced by `sharedStrings` bytes.
    static func workbook(sharedStrings: [UInt8]) throws -> [UInt8] {
        let builder = WorkbookBuilder.pathTable([
            ("schema", .inline("competency-self-assessment/v1")), ("partner.name", .shared("placeholder")),
        ])
        var parts = builder.parts().map { ($0.0, Data($0.1.utf8)) }
        let index = try #require(parts.firstIndex { $0.0 == "xl/sharedStrings.xml" })
        parts[index].1 = Data(sharedStrings)
        return try WorkbookBuilder.zip(parts)
    }

    static func utf32BigEndian(_ text: String) -> [UInt8] {
        text.unicodeScalars.flatMap { scalar in
            [
                UInt8(scalar.value >> 24), UInt8((scalar.value >> 16) & 0xFF), UInt8((scalar.value >> 8) & 0xFF),
                UInt8(scalar.value & 0xFF),
            ]
        }
    }

    /// UTF-7 as RFC 2152 writes `<`, `!`, `"`, `[`, `]`, `>`, `&`, `;`: `+ADw-` and so on,
    /// so the bytes `<!` never appear.
    static func utf7(_ text: String) -> [UInt8] {
        let escapes: [Character: String] = [
            "<": "+ADw-", "!": "+ACE-", "\"": "+ACI-", "[": "+AFs-", "]": "+AF0-", ">": "+AD4-", "&": "+ACY-",
            ";": "+ADs-",
        ]
        return Array(text.map { escapes[$0] ?? String($0) }.joined().utf8)
    }

    func expectRefusedUnexpanded(
        _ bytes: [UInt8], saying phrase: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let result = reading(bytes, .xlsx)
        #expect(
            result.assessment?.partner.name != "EXPANDED", "the entity was expanded", sourceLocation: sourceLocation)
        #expect(result.assessment == nil, sourceLocation: sourceLocation)
        #expect(
            result.problems.contains { $0.message.contains(phrase) }, "\(result.problemText)",
            sourceLocation: sourceLocation)
    }

    @Test func ucs4PartWithAnEntityIsRefused() throws {
        let bytes = try Self.workbook(sharedStrings: Self.utf32BigEndian(Self.sharedStringsWithEntity))
        expectRefusedUnexpanded(bytes, saying: "is not UTF-8")
    }

    @Test func utf7PartWithAnEntityIsRefused() throws {
        let body = Self.sharedStringsWithEntity.replacingOccurrences(of: #"<?xml version="1.0"?>"#, with: "")
        let bytes = try Self.workbook(
            sharedStrings: Array(#"<?xml version="1.0" encoding="UTF-7"?>"#.utf8) + Self.utf7(body))
        expectRefusedUnexpanded(bytes, saying: "is not UTF-8")
    }

    @Test(arguments: ["ISO-8859-1", "utf-16", "EBCDIC-US", "Shift_JIS"])
    func declaredEncodingOtherThanUTF8IsRefused(_ encoding: String) throws {
        let xml =
            #"<?xml version="1.0" encoding="\#(encoding)" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Acme</t></si></sst>"#
        expectRefusedUnexpanded(try Self.workbook(sharedStrings: Array(xml.utf8)), saying: "is not UTF-8")
    }

    @Test(
        arguments: [
            [0xEF, 0xBB, 0xBF] + Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8),
            Array(#"<?xml version='1.0' encoding='utf-8'?>"#.utf8),
            Array(#"<?xml version="1.0"?>"#.utf8),
            [],
        ] as [[UInt8]])
    func utf8WithOrWithoutBOMIsRead(_ prefix: [UInt8]) throws {
        let xml =
            #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Acme</t></si></sst>"#
        let result = reading(try Self.workbook(sharedStrings: prefix + Array(xml.utf8)), .xlsx)
        #expect(result.assessment?.partner.name == "Acme", "\(result.problemText)")
    }

    /// The parser's own report of a declaration stops the parse as well, should a
    /// declaration ever get past the check before it. (Not tried: `<!NOTATION>`
    /// without a public ID, and `#IMPLIED` attributes, which crash Foundation's
    /// parser on Linux before any delegate is called — one more reason the
    /// check before it must see every declaration.)
    @Test(arguments: [
        #"<!DOCTYPE x [<!ELEMENT x ANY>]><x/>"#,
        #"<!DOCTYPE x [<!ATTLIST x a CDATA "v">]><x/>"#,
        #"<!DOCTYPE x [<!ELEMENT x ANY><!ENTITY e "expanded">]><x>&e;</x>"#,
    ])
    func parserReportedDeclarationAborts(_ xml: String) {
        final class Elements: XMLPartHandler {
            var names: [String] = []
            func start(_ element: String, attributes: [String: String]) throws(WorkbookFailure) {
                names.append(element)
            }
            func end(_ element: String) {}
            func characters(_ text: String) {}
        }
        let handler = Elements()
        #expect(throws: WorkbookFailure.self) {
            try XMLPart.parseEvents(
                Array(xml.utf8), partName: "x.xml", source: DocumentSource(fileName: "x.xlsx"), delegate: handler)
        }
        #expect(handler.names.isEmpty)
    }

    @Test func problemsPerDocumentAreCapped() {
        let rows = (1...2_000).map { "no_such_section\($0).item,x" }.joined(separator: "\n")
        let text = "path,value\nschema,competency-self-assessment/v1\n" + rows + "\n"
        let all = reading(text, .csv, limits: DocumentLimits(maxProblems: .max))
        let capped = reading(text, .csv)
        let limit = DocumentLimits().maxProblems
        #expect(all.problems.count > limit + 1, "the document makes more problems than the limit")
        #expect(capped.problems.count == limit + 1)
        #expect(Array(capped.problems.prefix(limit)) == Array(all.problems.prefix(limit)))
        #expect(capped.problems.last?.message == "… and \(all.problems.count - limit) more problems")
        #expect(capped.problems.last?.location == "doc.csv")
    }
}
