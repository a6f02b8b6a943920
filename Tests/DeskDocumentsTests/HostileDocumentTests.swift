import DeskCore
import DeskDocuments
import Foundation
import Testing

/// Documents built to hurt the reader end with a clear problem, quickly, and never a crash.
struct HostileDocumentTests {
    func expectRefused(
        _ reading: DocumentReading, saying phrase: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reading.assessment == nil, sourceLocation: sourceLocation)
        #expect(
            reading.problems.contains { $0.message.contains(phrase) }, "\(reading.problemText)",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: DocumentFormat.allCases)
    func emptyFile(_ format: DocumentFormat) {
        expectRefused(reading([UInt8](), format), saying: "the file is empty")
    }

    @Test func encryptedWorkbookIsAnOLEContainer() {
        // The CFB header, then a directory entry named "EncryptionInfo" in UTF-16LE, as Excel writes it.
        var bytes: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504)
        bytes += "EncryptionInfo".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        bytes += Array(repeating: 0, count: 512)
        expectRefused(reading(bytes, .xlsx), saying: "the workbook is password-protected; send it without a password")
    }

    @Test func oldBinaryWorkbook() {
        let bytes: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 1024)
        expectRefused(reading(bytes, .xlsx), saying: "old Excel 97–2003 workbook")
    }

    @Test func notAZip() {
        expectRefused(reading("path,value\nschema,x\n", .xlsx), saying: "not a ZIP archive")
    }

    @Test func truncatedZip() throws {
        let bytes = try SampleDocument.workbook().bytes()
        expectRefused(reading(Array(bytes.prefix(bytes.count / 2)), .xlsx), saying: "damaged")
    }

    @Test func corruptedPartFailsItsChecksum() throws {
        var bytes = try WorkbookBuilder.zip([("_rels/.rels", Data(String(repeating: "<x/>", count: 200).utf8))])
        // Flip a byte inside the deflated data of the only entry (its local header is 30 bytes plus the name).
        bytes[30 + "_rels/.rels".utf8.count + 2] ^= 0xFF
        let reading = reading(bytes, .xlsx)
        #expect(reading.assessment == nil)
        #expect(!reading.problems.isEmpty)
    }

    @Test func zipBombByDeclaredSize() throws {
        // 2 MiB of zeros deflate to a few KiB; the limit is 1 MiB.
        let bomb = try WorkbookBuilder.zip([("xl/worksheets/sheet1.xml", Data(count: 2 * 1024 * 1024))])
        expectRefused(
            reading(bomb, .xlsx, limits: DocumentLimits(maxUncompressedBytes: 1024 * 1024)),
            saying: "would expand to more than")
    }

    @Test func zipBombThatLiesAboutItsSize() throws {
        var parts = SampleDocument.workbook().parts()
        let index = try #require(parts.firstIndex { $0.0 == "xl/worksheets/sheet1.xml" })
        parts[index].1 += String(repeating: " ", count: 3 * 1024 * 1024)
        var bytes = try WorkbookBuilder.zip(parts.map { ($0.0, Data($0.1.utf8)) })
        // Rewrite every declared uncompressed size to 1 000 bytes: only inflating can tell.
        for offset in 0..<(bytes.count - 30) {
            let signature = bytes[offset..<offset + 4]
            if signature.elementsEqual([0x50, 0x4B, 0x03, 0x04]) {
                bytes.replaceSubrange(offset + 22..<offset + 26, with: [0xE8, 0x03, 0, 0])
            }
            if signature.elementsEqual([0x50, 0x4B, 0x01, 0x02]) {
                bytes.replaceSubrange(offset + 24..<offset + 28, with: [0xE8, 0x03, 0, 0])
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let reading = reading(bytes, .xlsx, limits: DocumentLimits(maxUncompressedBytes: 1024 * 1024))
        expectRefused(reading, saying: "larger than it declares")
        #expect(clock.now - start < .seconds(2))
    }

    @Test func tooManyEntries() throws {
        let entries = (0..<50).map { ("junk/\($0).xml", Data("<x/>".utf8)) }
        expectRefused(
            reading(try WorkbookBuilder.zip(entries), .xlsx, limits: DocumentLimits(maxZipEntries: 20)),
            saying: "more than 20 parts")
    }

    @Test(arguments: [
        #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><workbook>&lol2;</workbook>"#,
        #"<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "file:///etc/passwd"><workbook/>"#,
        #"<?xml version="1.0"?><!ENTITY x "y"><workbook/>"#,
    ])
    func xmlWithADocumentTypeIsRefusedUnread(_ workbookXML: String) throws {
        var builder = SampleDocument.workbook()
        builder.overrides["xl/workbook.xml"] = workbookXML
        expectRefused(reading(try builder.bytes(), .xlsx), saying: "declares a document type or entities")
    }

    @Test func malformedSheetXML() throws {
        var builder = SampleDocument.workbook()
        builder.overrides["xl/worksheets/sheet1.xml"] = "<worksheet><sheetData><row><c><v>1</c></row>"
        expectRefused(reading(try builder.bytes(), .xlsx), saying: "not well-formed XML")
    }

    @Test func sheetOverTheRowLimit() throws {
        let rows = (1...50).map {
            (
                "web_presence.thought_leadership.\($0).url",
                WorkbookBuilder.Cell?.some(.inline("https://x.example/\($0)"))
            )
        }
        let bytes = try WorkbookBuilder.pathTable(rows).bytes()
        expectRefused(reading(bytes, .xlsx, limits: DocumentLimits(maxRows: 40)), saying: "more than 40 rows")
    }

    @Test func hundredThousandRowCSVIsRefusedQuickly() {
        var text = "path,value\n"
        text.reserveCapacity(4_000_000)
        for row in 1...100_000 { text += "web_presence.thought_leadership.\(row).url,https://x.example/\(row)\n" }
        let bytes = Array(text.utf8)
        let clock = ContinuousClock()
        let start = clock.now
        let reading = reading(bytes, .csv)
        let elapsed = clock.now - start
        expectRefused(reading, saying: "more than 10000 rows")
        #expect(elapsed < .milliseconds(500), "took \(elapsed)")
    }

    @Test func csvWithAnUnclosedQuoteNamesItsLine() {
        let reading = reading("path,value\npartner.name,\"Acme\nsolution.name,x\n", .csv)
        #expect(reading.assessment == nil)
        #expect(reading.problems.first?.location == "doc.csv line 2", "\(reading.problemText)")
    }

    @Test func billionLaughsYAMLIsCappedBeforeExpansion() {
        let yaml = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            partner: {name: *i}
            """
        let clock = ContinuousClock()
        let start = clock.now
        let reading = reading(yaml, .yaml)
        expectRefused(reading, saying: "more than 100000 values")
        #expect(clock.now - start < .seconds(1))
    }

    @Test func aliasBombHiddenInAMappingKeyIsRefusedBeforeParsing() {
        // Yams hashes mapping keys to find duplicates; a key that is an alias of a
        // huge node would make that hash walk every expansion.
        let yaml = """
            a: &a [x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            ? *c
            : value
            """
        let clock = ContinuousClock()
        let start = clock.now
        expectRefused(reading(yaml, .yaml), saying: "complex mapping key")
        #expect(clock.now - start < .seconds(1))
    }

    @Test func harmlessAliasesAreRead() throws {
        let yaml = """
            partner: {name: &name Acme KK}
            solution: {name: *name}
            """
        let reading = reading(yaml, .yaml)
        #expect(reading.problems.isEmpty, "\(reading.problemText)")
        #expect(reading.assessment?.solution.name == "Acme KK")
    }

    @Test func deeplyNestedJSONIsRefused() {
        let json = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        expectRefused(reading(json, .json), saying: "nests deeper than")
    }

    @Test func deeplyNestedYAMLIsRefused() {
        let yaml = "partner: " + String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000)
        let reading = reading(yaml, .yaml)
        #expect(reading.assessment == nil)
        #expect(!reading.problems.isEmpty)
    }

    @Test(arguments: [DocumentFormat.yaml, .json])
    func invalidUTF8(_ format: DocumentFormat) {
        let bytes = Array("{\"partner\": {\"name\": \"".utf8) + [0xFF, 0xFE, 0x80] + Array("\"}}".utf8)
        expectRefused(reading(bytes, format), saying: "not UTF-8")
    }

    @Test func csvThatIsNeitherUTF8NorCP932IsReadWithReplacementsAndAProblem() {
        // 0x81 0x20 is an incomplete CP932 pair; the rest of the text survives.
        let bytes = Array("path,value\npartner.name,Acme".utf8) + [0x81, 0x20] + Array("\nsolution.name,Shop\n".utf8)
        let reading = reading(bytes, .csv)
        #expect(reading.assessment?.solution.name == "Shop")
        #expect(reading.problems.contains { $0.message.contains("neither UTF-8 nor CP932") }, "\(reading.problemText)")
    }

    @Test(arguments: [
        ("[1, 2, 3]", DocumentFormat.json),
        ("just text", .yaml),
        ("{\"name\": \"x\", \"email\": \"y\"}", .json),
        ("name,email\nx,y\n", .csv),
    ])
    func somethingElseEntirely(_ text: String, _ format: DocumentFormat) {
        let reading = reading(text, format)
        #expect(reading.assessment == nil)
        #expect(!reading.problems.isEmpty)
    }

    @Test func oversizedFileIsNotRead() {
        expectRefused(
            reading(Array(repeating: 0x20, count: 2_000), .yaml, limits: DocumentLimits(maxUncompressedBytes: 1_000)),
            saying: "over the limit")
    }
}

extension HostileDocumentTests {
    @Test func absurdlyDeepPathIsRefusedRowByRow() {
        let path = Array(repeating: "a", count: 100_000).joined(separator: ".")
        let reading = reading("path,value\n\(path),x\npartner.name,Acme\n", .csv)
        #expect(reading.assessment?.partner.name == "Acme")
        #expect(reading.problems.contains { $0.message.contains("more than 12 keys") }, "\(reading.problemText)")
    }
}
