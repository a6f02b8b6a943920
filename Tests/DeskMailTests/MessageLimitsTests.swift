import Foundation
import Testing

@testable import DeskMail

/// Mail built to flood the desk with work or with words: every limit holds, and
/// each says once what it left out.
@Suite("Message limits: problems, inline files, attachment bytes")
struct MessageLimitsTests {
    /// A multipart/mixed message of `parts`, each `(header lines, body lines)`.
    static func multipart(_ parts: [([String], [String])]) -> [UInt8] {
        var lines = ["From: a@example.com", "Subject: many", "Content-Type: multipart/mixed; boundary=b", ""]
        for (headers, body) in parts { lines += ["--b"] + headers + [""] + body }
        lines.append("--b--")
        return MessageBytes.lines(lines)
    }

    /// One uuencoded file `name` holding `content` (at most 45 bytes: one line).
    static func uuencoded(_ name: String, _ content: [UInt8]) -> [String] {
        precondition(content.count <= 45)
        var line = [UInt8(0x20 + content.count)]
        var index = 0
        while index < content.count {
            let chunk = Array(content[index..<min(index + 3, content.count)]) + [0, 0]
            let group = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
            for shift in [18, 12, 6, 0] {
                let sextet = UInt8((group >> UInt32(shift)) & 0x3F)
                line.append(sextet == 0 ? 0x60 : sextet + 0x20)
            }
            index += 3
        }
        return ["begin 644 \(name)", String(decoding: line, as: UTF8.self), "`", "end"]
    }

    @Test("problems past the per-message limit become one '… and N more problems' line")
    func problemsAreCapped() throws {
        // Each part's base64 has one junk character: one problem per part.
        let parts = (0..<50).map { index in
            (
                ["Content-Type: application/octet-stream; name=\(index).bin", "Content-Transfer-Encoding: base64"],
                ["aGVs!bG8="]
            )
        }
        let message = try MessageReader.read(Self.multipart(parts), limits: MessageLimits(maximumProblems: 10))
        #expect(message.attachments.count == 50)
        #expect(message.problems.count == 11)
        #expect(message.problems.prefix(10).allSatisfy { $0.contains("junk character") })
        #expect(message.problems.last == "… and 40 more problems")
    }

    @Test("the default problem limit holds on a thousand damaged parts")
    func defaultProblemLimit() throws {
        let parts = (0..<998).map { index in
            (
                ["Content-Type: application/octet-stream; name=\(index).bin", "Content-Transfer-Encoding: base64"],
                ["aGVs!bG8="]
            )
        }
        let message = try MessageReader.read(Self.multipart(parts))
        let limit = MessageLimits.default.maximumProblems
        #expect(message.problems.count == limit + 1)
        #expect(message.problems.last == "… and \(998 - limit) more problems")
    }

    @Test("uuencoded files count against the part limit")
    func uuencodedBlocksCountAsParts() throws {
        var lines = ["From: a@example.com", "Subject: uu", "", "Files follow."]
        for index in 0..<50 { lines += Self.uuencoded("f\(index).txt", Array("file \(index)".utf8)) }
        let message = try MessageReader.read(MessageBytes.lines(lines), limits: MessageLimits(maximumParts: 10))
        // The message itself is the first part: nine files fit.
        #expect(message.attachments.map(\.filename) == (0..<9).map { "f\($0).txt" })
        #expect(message.attachments.first?.bytes == Array("file 0".utf8))
        #expect(message.problems.filter { $0.contains("more than 10 parts") }.count == 1)
    }

    @Test("uuencoded files inside a multipart share the part limit with the MIME parts")
    func uuencodedBlocksShareTheLimit() throws {
        var text: [String] = ["see below"]
        for index in 0..<10 { text += Self.uuencoded("u\(index).txt", Array("u\(index)".utf8)) }
        let parts: [([String], [String])] =
            [(["Content-Type: text/plain"], text)]
            + (0..<3).map { (["Content-Type: application/octet-stream; name=p\($0).bin"], ["x"]) }
        let message = try MessageReader.read(Self.multipart(parts), limits: MessageLimits(maximumParts: 8))
        // root + 4 MIME parts = 5; three uuencoded files make 8.
        #expect(message.attachments.map(\.filename) == ["p0.bin", "p1.bin", "p2.bin", "u0.txt", "u1.txt", "u2.txt"])
        #expect(message.problems.filter { $0.contains("more than 8 parts") }.count == 1)
    }

    @Test("a hundred thousand tiny uuencoded files: bounded, and quick")
    func hostileUUEncode() throws {
        var bytes = Array("From: a@example.com\r\nSubject: uu\r\n\r\n".utf8)
        let block = Array(Self.uuencoded("x", [0x41]).joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
        for _ in 0..<100_000 { bytes += block }
        let started = ContinuousClock.now
        let message = try MessageReader.read(bytes)
        #expect(message.attachments.count == MessageLimits.default.maximumParts - 1)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("attachments past the total decoded size limit are dropped, with one problem naming it")
    func attachmentBytesAreCapped() throws {
        let body = String(repeating: "A", count: 300)
        let parts = (0..<5).map { index in (["Content-Type: application/octet-stream; name=\(index).bin"], [body]) }
        let message = try MessageReader.read(
            Self.multipart(parts), limits: MessageLimits(maximumAttachmentBytes: 1_000))
        #expect(message.attachments.map(\.filename) == ["0.bin", "1.bin", "2.bin"])
        #expect(message.attachments.reduce(0) { $0 + $1.size } == 900)
        let problems = message.problems.filter { $0.contains("1000 bytes") }
        #expect(problems.count == 1)
        #expect(problems.first?.contains("2 attachments") == true)
    }

    @Test("uuencoded files count against the attachment size limit too")
    func uuencodedBytesAreCapped() throws {
        var lines = ["From: a@example.com", "Subject: uu", "", "Files follow."]
        for index in 0..<5 { lines += Self.uuencoded("f\(index).bin", [UInt8](repeating: 0x41, count: 40)) }
        let message = try MessageReader.read(
            MessageBytes.lines(lines), limits: MessageLimits(maximumAttachmentBytes: 100))
        #expect(message.attachments.map(\.filename) == ["f0.bin", "f1.bin"])
        #expect(message.problems.filter { $0.contains("100 bytes") }.count == 1)
    }
}
