import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses one XML part of a workbook with Foundation's event parser, after making
/// sure it declares no document type: a DOCTYPE is where entities are defined
/// (the "billion laughs" and external-entity attacks), and no part of a real
/// workbook has one, so any `<!` other than a comment or CDATA is refused unread.
enum XMLPart {
    static func parse(_ bytes: [UInt8], partName: String, source: DocumentSource, delegate: some XMLPartHandler)
        throws(WorkbookFailure)
    {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0x00, 0x3C])
            || bytes.starts(with: [0x3C, 0x00])
        {
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook part \(partName) is UTF-16 XML, which is not read; save the workbook again from a spreadsheet program"
            )
        }
        if let declaration = declarationOffset(bytes) {
            throw WorkbookFailure(
                location: source.fileLocation,
                message:
                    "the workbook part \(partName) declares a document type or entities (at byte \(declaration + 1)); such workbooks are refused unread, since entities can expand without limit or reach outside the file"
            )
        }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        let bridge = Bridge(handler: delegate)
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
        var stop: WorkbookFailure?
        var firstError: (error: Error, line: Int)?
        var depth = 0
        var sawElement = false

        init(handler: any XMLPartHandler) { self.handler = handler }

        static func localName(_ name: String) -> String {
            guard let colon = name.lastIndex(of: ":") else { return name }
            return String(name[name.index(after: colon)...])
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
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

        func parser(_ parser: XMLParser, foundCharacters string: String) { handler.characters(string) }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            handler.characters(String(decoding: block, as: UTF8.self))
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? { nil }
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
