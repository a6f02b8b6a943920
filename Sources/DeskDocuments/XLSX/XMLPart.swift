import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses one XML part of a workbook with Foundation's event parser, after making
/// sure it is UTF-8 and declares no document type: a DOCTYPE is where entities are
/// defined (the "billion laughs" and external-entity attacks), and no part of a
/// real workbook has one, so any `<!` other than a comment or CDATA is refused unread.
///
/// The `<!` check reads bytes, so it sees declarations only in an encoding where
/// `<!` is those two bytes: a part in UTF-16, UCS-4, EBCDIC or UTF-7 (`+ADw-!`)
/// would hide them from it while libxml2, which honours the byte order mark,
/// the first four bytes and the XML declaration's `encoding`, reads them. Every
/// spreadsheet program writes UTF-8, so anything else is refused before the check.
/// The parser's own declaration reports abort the parse as a second line.
enum XMLPart {
    static func parse(_ bytes: [UInt8], partName: String, source: DocumentSource, delegate: some XMLPartHandler)
        throws(WorkbookFailure)
    {
        if let encoding = nonUTF8Encoding(bytes) {
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook part \(partName) is not UTF-8 (\(encoding)); such parts are refused unread, since what they declare cannot be checked; save the workbook again from a spreadsheet program"
            )
        }
        if let declaration = declarationOffset(bytes) {
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook part \(partName) declares a document type or entities (at byte \(declaration + 1)); such workbooks are refused unread, since entities can expand without limit or reach outside the file"
            )
        }
        try parseEvents(bytes, partName: partName, source: source, delegate: delegate)
    }

    /// Runs the event parser over `bytes`, already checked by `parse`.
    static func parseEvents(_ bytes: [UInt8], partName: String, source: DocumentSource, delegate: some XMLPartHandler)
        throws(WorkbookFailure)
    {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        let bridge = Bridge(handler: delegate, partName: partName, location: source.fileLocation)
        parser.delegate = bridge
        // On Linux, Foundation's parser recovers from many errors and still returns
        // true; an error reported along the way, or elements left open, count as failure.
        let finished = parser.parse()
        if let stop = bridge.stop { throw stop }
        let error = bridge.firstError ?? parser.parserError.map { ($0, parser.lineNumber) }
        if !finished || error != nil || bridge.depth != 0 || !bridge.sawElement {
            let line = error?.line ?? parser.lineNumber
            let code =
                error.map { " (XML error \(($0.error as NSError).code))" }
                ?? (bridge.depth != 0 ? " (it ends with elements left open)" : "")
            throw WorkbookFailure(
                location: source.fileLocation,
                message: "the workbook is damaged: part \(partName) is not well-formed XML at line \(line)\(code)")
        }
    }

    /// What the part is encoded in when that is not UTF-8 (with or without a
    /// byte order mark), in a few words; nil for UTF-8.
    ///
    /// Looks where libxml2 looks: the byte order mark, the first four bytes
    /// (a NUL among them is UTF-16 or UCS-4; `4C 6F A7 94` is EBCDIC's `<?xm`),
    /// and the `encoding` of the XML declaration, which must be UTF-8 when given.
    static func nonUTF8Encoding(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) {
            return "UTF-32 by its byte order mark"
        }
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            return "UTF-16 by its byte order mark"
        }
        let content = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        if content.prefix(4).contains(0x00) { return "UTF-16 or UCS-4: its first characters hold zero bytes" }
        if content.starts(with: [0x4C, 0x6F, 0xA7, 0x94]) { return "EBCDIC" }
        if let first = content.first, first >= 0x80 {
            return "its first byte is 0x\(String(first, radix: 16, uppercase: true))"
        }
        guard content.starts(with: Array("<?xml".utf8)) else { return nil }
        // The declaration ends at the first `?>`; a real one is well under 100 bytes.
        let head = Array(content.prefix(maximumDeclarationLength))
        guard let end = firstIndex(of: Array("?>".utf8), in: head) else {
            return "its XML declaration does not end within \(maximumDeclarationLength) bytes"
        }
        let declaration = Array(head[..<end])
        guard let encodingStart = firstIndex(of: Array("encoding".utf8), in: declaration) else { return nil }
        guard let label = quotedValue(in: declaration[(encodingStart + "encoding".utf8.count)...]) else {
            return "its XML declaration's encoding cannot be read"
        }
        let lowered = label.lowercased()
        return lowered == "utf-8" || lowered == "utf8" ? nil : "it declares encoding \"\(label)\""
    }

    /// How far the XML declaration is looked for.
    static let maximumDeclarationLength = 256

    /// `= "value"` (or single quotes), spaces allowed around `=`: the value, or
    /// nil when the bytes are not that. The value may only hold ASCII letters,
    /// digits and `._-:`, as encoding names do.
    private static func quotedValue(in bytes: ArraySlice<UInt8>) -> String? {
        var rest = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard rest.first == UInt8(ascii: "=") else { return nil }
        rest = rest.dropFirst().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        guard value.endIndex < rest.endIndex,
            value.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ":")
            })
        else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    /// Where `pattern` first starts in `bytes`, or nil.
    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    /// The offset of the first `<!` that opens neither a comment nor CDATA.
    static func declarationOffset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "!") {
                let rest = bytes[(index + 2)...]
                if !rest.starts(with: Array("--".utf8)) && !rest.starts(with: Array("[CDATA[".utf8)) { return index }
            }
            index += 1
        }
        return nil
    }

    /// Turns Foundation's delegate calls into the handler's, with namespace prefixes
    /// (`x:c`, `r:id`) dropped: generators differ in whether they use them.
    private final class Bridge: NSObject, XMLParserDelegate {
        let handler: any XMLPartHandler
        let partName: String
        let location: String?
        var stop: WorkbookFailure?
        var firstError: (error: Error, line: Int)?
        var depth = 0
        var sawElement = false

        init(handler: any XMLPartHandler, partName: String, location: String?) {
            self.handler = handler
            self.partName = partName
            self.location = location
        }

        static func localName(_ name: String) -> String {
            guard let colon = name.lastIndex(of: ":") else { return name }
            return String(name[name.index(after: colon)...])
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            // After a refused declaration libxml2 may still report what it had read.
            guard stop == nil else { return }
            depth += 1
            sawElement = true
            var attributes: [String: String] = [:]
            for (name, value) in attributeDict where !name.hasPrefix("xmlns") {
                attributes[Self.localName(name)] = value
            }
            do { try handler.start(Self.localName(elementName), attributes: attributes) } catch {
                stop = error
                parser.abortParsing()
            }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            depth -= 1
            handler.end(Self.localName(elementName))
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if firstError == nil { firstError = (parseError, parser.lineNumber) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if stop == nil { handler.characters(string) }
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            if stop == nil { handler.characters(String(decoding: block, as: UTF8.self)) }
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? { nil }

        // Declarations the parser reports: none belongs in a workbook, and `parse`
        // refuses them before the parser runs, so one reported here got past that
        // check. On Linux, Foundation reports element, attribute, notation and
        // unparsed-entity declarations but not internal or external entity ones
        // (which is why the check before the parser is what keeps entities out);
        // those two callbacks count where Foundation makes them.

        func parser(
            _ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String
        ) { refuse(parser, "an element declaration") }

        func parser(
            _ parser: XMLParser, foundAttributeDeclarationWithName attributeName: String,
            forElement elementName: String, type: String?, defaultValue: String?
        ) { refuse(parser, "an attribute declaration") }

        func parser(
            _ parser: XMLParser, foundNotationDeclarationWithName name: String, publicID: String?, systemID: String?
        ) { refuse(parser, "a notation declaration") }

        func parser(
            _ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?,
            systemID: String?, notationName: String?
        ) { refuse(parser, "an entity declaration") }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse(parser, "an entity declaration")
        }

        func parser(
            _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?,
            systemID: String?
        ) { refuse(parser, "an entity declaration") }

        /// Stops the parse for a declaration; the first one is the reason given.
        private func refuse(_ parser: XMLParser, _ what: String) {
            if stop == nil {
                stop = WorkbookFailure(
                    location: location,
                    message:
                        "the workbook part \(partName) declares a document type or entities (\(what)); such workbooks are refused unread, since entities can expand without limit or reach outside the file"
                )
            }
            parser.abortParsing()
        }
    }
}

/// What a part reader does with the elements of one XML part. `start` may throw to
/// stop early (a sheet over the row limit).
protocol XMLPartHandler: AnyObject {
    func start(_ element: String, attributes: [String: String]) throws(WorkbookFailure)
    func end(_ element: String)
    func characters(_ text: String)
}

/// A small element tree, for the parts that are small by nature: relationships,
/// the workbook, the styles.
final class XMLElementTree: XMLPartHandler {
    final class Element {
        let name: String
        let attributes: [String: String]
        var children: [Element] = []
        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        func all(_ name: String) -> [Element] { children.filter { $0.name == name } }
        func first(_ name: String) -> Element? { children.first { $0.name == name } }
    }

    let root = Element(name: "", attributes: [:])
    private var stack: [Element] = []
    private var count = 0
    private let maxElements: Int
    private let failure: WorkbookFailure

    init(maxElements: Int, failure: WorkbookFailure) {
        self.maxElements = maxElements
        self.failure = failure
        stack = [root]
    }

    func start(_ element: String, attributes: [String: String]) throws(WorkbookFailure) {
        count += 1
        if count > maxElements { throw failure }
        let node = Element(name: element, attributes: attributes)
        stack.last?.children.append(node)
        stack.append(node)
    }

    func end(_ element: String) { if stack.count > 1 { stack.removeLast() } }

    func characters(_ text: String) {}
}
