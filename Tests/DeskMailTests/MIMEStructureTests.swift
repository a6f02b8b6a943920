import Foundation
import Testing

@testable import DeskMail

@Suite("MIME structure")
struct MIMEStructureTests {
    private func read(_ lines: [String], ending: MessageBytes.LineEnding = .crlf) throws -> ParsedMessage {
        try MessageReader.read(MessageBytes.lines(lines, ending: ending))
    }

    private func text(_ slice: ArraySlice<UInt8>) -> String { String(decoding: slice, as: UTF8.self) }

    @Test("nested multiparts, preamble and epilogue ignored, in every line ending", arguments: MessageBytes.LineEnding.allCases)
    func nested(ending: MessageBytes.LineEnding) throws {
        let message = try read(MIMEFixtures.nested, ending: ending)
        let root = message.root
        #expect(root.children.map(\.contentType.mimeType) == ["multipart/alternative", "multipart/mixed"])
        #expect(root.children.map(\.section) == ["1", "2"])
        let alternative = root.children[0]
        #expect(alternative.children.map(\.contentType.mimeType) == ["text/plain", "text/html"])
        #expect(alternative.children.map(\.section) == ["1.1", "1.2"])
        #expect(text(alternative.children[1].body) == "<p>html</p>")
        let inner = root.children[1]
        #expect(inner.children.map(\.section) == ["2.1", "2.2"])
        #expect(text(inner.children[1].body) == "x,y\(ending.rawValue)1,2")
        #expect(message.text == "plain")
        #expect(message.attachments.map(\.filename) == ["a.pdf", "b.csv"])
        #expect(message.attachments[0].bytes == Array("%PDF-1.4\n".utf8))
        #expect(message.problems.isEmpty)
    }

    @Test("part bodies are slices of the input, not copies")
    func slices() throws {
        let bytes = MessageBytes.lines(MIMEFixtures.nested)
        let message = try MessageReader.read(bytes)
        let csv = message.root.children[1].children[1]
        let start = try #require(
            bytes.indices.first { bytes[$0...].starts(with: Array("x,y".utf8)) })
        #expect(csv.body.startIndex == start)
        #expect(csv.body.endIndex == start + 8)
    }

    @Test("a missing final boundary: the last part runs to the end")
    func missingFinalBoundary() throws {
        let message = try read(MIMEFixtures.missingFinal)
        #expect(message.root.children.count == 2)
        #expect(text(message.root.children[1].body) == "line 1\r\nline 2")
        #expect(message.attachments.map(\.filename) == ["notes.txt"])
        #expect(message.problems.contains { $0.contains("closing boundary \"--b--\" is missing") })
    }

    @Test("an outer boundary ends an inner multipart whose own close is missing")
    func outerBoundaryEndsInner() throws {
        let message = try read([
            "Content-Type: multipart/mixed; boundary=outer", "", "--outer",
            "Content-Type: multipart/mixed; boundary=inner", "", "--inner", "Content-Type: text/plain", "", "a",
            "--outer", "Content-Type: text/plain; name=b.txt", "Content-Disposition: attachment", "", "b", "--outer--",
        ])
        #expect(message.root.children.count == 2)
        #expect(message.root.children[0].children.count == 1)
        #expect(text(message.root.children[0].children[0].body) == "a")
        #expect(message.attachments.map(\.filename) == ["b.txt"])
    }

    @Test("boundaries that are prefixes of each other, and whitespace after a boundary")
    func prefixBoundaries() throws {
        let message = try read(MIMEFixtures.prefixBoundaries)
        #expect(message.root.children.count == 2)
        #expect(message.root.children[0].children.count == 2)
        #expect(message.attachments.map(\.filename) == ["one.txt", "two.txt", "three.png"])
        #expect(message.attachments.map(\.size) == [3, 3, 8])
        #expect(message.problems.isEmpty)
    }

    @Test("a line that only starts with the boundary is not a delimiter")
    func boundaryWithTrailingText() throws {
        let message = try read([
            "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "--bx not a delimiter", "--b text", "--b--",
        ])
        #expect(message.root.children.count == 1)
        #expect(text(message.root.children[0].body) == "--bx not a delimiter\r\n--b text")
    }

    @Test("a multipart without a boundary, or whose boundary never appears, is one piece")
    func noBoundary() throws {
        let missing = try read(["Content-Type: multipart/mixed", "", "--x", "", "text"])
        #expect(missing.root.children.isEmpty)
        #expect(missing.problems.contains { $0.contains("has no boundary parameter") })
        let absent = try read(["Content-Type: multipart/mixed; boundary=zz", "", "--x", "", "text"])
        #expect(absent.root.children.isEmpty)
        #expect(absent.problems.contains { $0.contains("never appears") })
    }

    @Test("message/rfc822 is read as an attached message; the files inside it are attachments")
    func attachedMessage() throws {
        let message = try read(MIMEFixtures.rfc822)
        let holder = message.root.children[1]
        #expect(holder.contentType.mimeType == "message/rfc822")
        #expect(holder.children.count == 1)
        let inner = holder.children[0]
        #expect(inner.headers["Subject"] == "inner")
        #expect(inner.children.map(\.contentType.mimeType) == ["text/plain", "application/octet-stream"])
        #expect(inner.children.map(\.section) == ["2.1", "2.2"])
        // The holder is a container, not a file: the files inside it are the attachments.
        #expect(message.attachments.map(\.filename) == ["inner.bin"])
        #expect(message.attachments[0].contentType == "application/octet-stream")
        #expect(message.attachments[0].section == "2.2")
        #expect(message.text == "see attached")
    }

    @Test("multipart/report: parts read, the message is a bounce")
    func report() throws {
        let message = try read(MIMEFixtures.report)
        #expect(
            message.root.children.map(\.contentType.mimeType) == [
                "text/plain", "message/delivery-status", "text/rfc822-headers",
            ])
        #expect(text(message.root.children[1].body).hasPrefix("Reporting-MTA: dns; mx.example"))
        #expect(message.automaticReply == "Content-Type: multipart/report (delivery-status)")
        #expect(message.text == "delivery failed")
        #expect(message.attachments.isEmpty)
    }

    @Test("multipart/digest parts default to message/rfc822")
    func digest() throws {
        let message = try read([
            "Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: one", "", "first", "--d--",
        ])
        let part = try #require(message.root.children.first)
        #expect(part.contentType.mimeType == "message/rfc822")
        #expect(part.children.first?.headers["Subject"] == "one")
    }

    @Test("a part with no header block is all body")
    func partWithoutHeaders() throws {
        let message = try read(["Content-Type: multipart/mixed; boundary=b", "", "--b", "just text", "--b--"])
        #expect(text(message.root.children[0].body) == "just text")
        #expect(message.text == "just text")
    }

    @Test("a CR-only message: structure, attachments and text")
    func carriageReturnOnly() throws {
        let message = try read(MIMEFixtures.sha, ending: .cr)
        #expect(message.root.children.count == 2)
        #expect(message.text == "hi")
        #expect(message.attachments.first?.bytes == Array("hello world".utf8))
    }
}

@Suite("MIME limits")
struct MIMELimitTests {
    /// `depth` multiparts, each inside the one before, with distinct boundaries.
    static func nestedMultiparts(_ depth: Int) -> [UInt8] {
        var bytes = Array("Content-Type: multipart/mixed; boundary=b0\r\n\r\n".utf8)
        bytes.reserveCapacity(depth * 60)
        for level in 1..<depth {
            bytes += Array("--b\(level - 1)\r\nContent-Type: multipart/mixed; boundary=b\(level)\r\n\r\n".utf8)
        }
        bytes += Array("--b\(depth - 1)\r\nContent-Type: application/octet-stream; name=deep.txt\r\n\r\ndeep\r\n".utf8)
        return bytes
    }

    @Test("nesting deeper than the limit is not read, and reported")
    func depthLimit() throws {
        let message = try MessageReader.read(Self.nestedMultiparts(30), limits: MessageLimits(maximumDepth: 5))
        var depth = 0
        var part = message.root
        while let child = part.children.first {
            part = child
            depth += 1
        }
        #expect(depth == 5)
        #expect(message.problems.contains { $0.contains("nest deeper than 5 levels") })
        #expect(message.attachments.isEmpty)
    }

    @Test("within the depth limit the deepest part is found")
    func withinDepthLimit() throws {
        let message = try MessageReader.read(Self.nestedMultiparts(10))
        #expect(message.attachments.map(\.filename) == ["deep.txt"])
    }

    @Test("100,000 nested multiparts: no crash, no hang")
    func hostileNesting() throws {
        let started = ContinuousClock.now
        let message = try MessageReader.read(Self.nestedMultiparts(100_000))
        #expect(message.problems.contains { $0.contains("nest deeper than 20 levels") })
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("parts past the part limit are not read, and reported once")
    func partLimit() throws {
        var lines = ["Content-Type: multipart/mixed; boundary=b", ""]
        for index in 0..<50 { lines += ["--b", "Content-Type: application/octet-stream; name=\(index).bin", "", "x"] }
        lines.append("--b--")
        let message = try MessageReader.read(MessageBytes.lines(lines), limits: MessageLimits(maximumParts: 10))
        #expect(message.root.children.count == 9)  // the root is a part too
        #expect(message.attachments.count == 9)
        #expect(message.problems.filter { $0.contains("more than 10 parts") }.count == 1)
    }

    @Test("thousands of boundaries and a 5 MiB line are read in one pass")
    func manyBoundariesAndLongLine() throws {
        var bytes = Array("Content-Type: multipart/mixed; boundary=b\r\n\r\n".utf8)
        for _ in 0..<20_000 { bytes += Array("--b\r\n\r\nx\r\n".utf8) }
        bytes += Array("--b\r\nContent-Type: text/plain\r\n\r\n".utf8) + [UInt8](repeating: 0x2D, count: 5 << 20)
        let message = try MessageReader.read(bytes)
        #expect(message.root.children.count == 999)
    }

    @Test("header fields past the limit are dropped, and reported")
    func headerFieldLimit() throws {
        let lines = (0..<100).map { "X-Field-\($0): v" } + ["Subject: late", ""]
        let message = try MessageReader.read(MessageBytes.lines(lines), limits: MessageLimits(maximumHeaderFields: 50))
        #expect(message.headers.count == 50)
        #expect(message.subject == nil)
        #expect(message.problems.contains { $0.contains("more than the limit of 50") })
    }
}
