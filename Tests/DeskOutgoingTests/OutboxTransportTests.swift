import DeskTesting
import Foundation
import Testing

@testable import DeskOutgoing

@Suite("OutboxTransport: the Maildir outbox, exactly once")
struct OutboxTransportTests {
    let message = MessageSamples.alert()

    func deliver(_ transport: OutboxTransport, _ message: OutgoingMessage) throws -> DeliveryReceipt {
        try transport.deliver(message.rendered(), messageID: message.messageID, recipients: message.recipients)
    }

    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test("delivered twice, one file: the second delivery finds it and writes nothing")
    func exactlyOnce() throws {
        let root = try TemporaryFolder()
        let outbox = root.file("retail-jp")
        let transport = OutboxTransport(folder: outbox)

        let first = try deliver(transport, message)
        let name = OutboxTransport.fileName(forMessageID: message.messageID)
        #expect(first == DeliveryReceipt(detail: "new/\(name)", alreadyThere: false))
        #expect(name.count == 32 + ".competency".count)
        let second = try deliver(transport, message)
        #expect(second.alreadyThere)

        #expect(try names(outbox) == ["cur", "new", "tmp"])
        #expect(try names(outbox.appendingPathComponent("new")) == [name])
        #expect(try names(outbox.appendingPathComponent("tmp")) == [])
        let file = outbox.appendingPathComponent("new").appendingPathComponent(name)
        #expect(try Data(contentsOf: file) == message.rendered())
        #expect(try mode(file) == 0o640)
        for folder in ["", "tmp", "new", "cur"] {
            let folderMode = try mode(outbox.appendingPathComponent(folder))
            #expect(
                folderMode & 0o700 == 0o700 && folderMode & 0o027 == 0, "\(folder): \(String(folderMode, radix: 8))")
        }

        // Another message is another file.
        var other = message
        other.messageID = makeMessageID(local: "alert.retail-jp-42.breached", domain: "desk.example.co.jp")
        #expect(try deliver(transport, other).alreadyThere == false)
        #expect(try names(outbox.appendingPathComponent("new")).count == 2)
    }

    @Test("a message already taken into cur/ (with or without Maildir flags) is not written again")
    func alreadyInCur() throws {
        let root = try TemporaryFolder()
        let outbox = root.file("retail-jp")
        let transport = OutboxTransport(folder: outbox)
        let name = OutboxTransport.fileName(forMessageID: message.messageID)
        _ = try deliver(transport, message)
        let fileManager = FileManager.default
        try fileManager.moveItem(
            at: outbox.appendingPathComponent("new/\(name)"), to: outbox.appendingPathComponent("cur/\(name):2,S"))
        #expect(try deliver(transport, message).alreadyThere)
        try fileManager.moveItem(
            at: outbox.appendingPathComponent("cur/\(name):2,S"), to: outbox.appendingPathComponent("cur/\(name)"))
        #expect(try deliver(transport, message).alreadyThere)
        #expect(try names(outbox.appendingPathComponent("new")) == [])
    }

    @Test(
        "a stale tmp/ file of the same name (a killed attempt) is replaced, and a symbolic link there is not followed")
    func staleTemporary() throws {
        let root = try TemporaryFolder()
        let outbox = root.file("retail-jp")
        let transport = OutboxTransport(folder: outbox)
        let name = OutboxTransport.fileName(forMessageID: message.messageID)
        for folder in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(
                at: outbox.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("half a mess".utf8).write(to: outbox.appendingPathComponent("tmp/\(name)"))
        #expect(try deliver(transport, message).alreadyThere == false)
        #expect(try Data(contentsOf: outbox.appendingPathComponent("new/\(name)")) == message.rendered())
        #expect(try names(outbox.appendingPathComponent("tmp")) == [])

        var other = message
        other.messageID = "other@desk.example.co.jp"
        let otherName = OutboxTransport.fileName(forMessageID: other.messageID)
        let victim = root.file("victim.txt")
        try Data("keep me".utf8).write(to: victim)
        try FileManager.default.createSymbolicLink(
            at: outbox.appendingPathComponent("tmp/\(otherName)"), withDestinationURL: victim)
        #expect(try deliver(transport, other).alreadyThere == false)
        #expect(try Data(contentsOf: victim) == Data("keep me".utf8))
        #expect(try Data(contentsOf: outbox.appendingPathComponent("new/\(otherName)")) == other.rendered())
    }

    @Test("a symbolic link in place of new/ (or of the outbox) is refused, not followed")
    func symlinkedFolder() throws {
        let root = try TemporaryFolder()
        let outbox = root.file("retail-jp")
        let elsewhere = root.file("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        for folder in ["tmp", "cur"] {
            try FileManager.default.createDirectory(
                at: outbox.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(
            at: outbox.appendingPathComponent("new"), withDestinationURL: elsewhere)
        let error = try #require(throws: TransportError.self) { try deliver(OutboxTransport(folder: outbox), message) }
        #expect(error.message.contains(outbox.appendingPathComponent("new").path))
        #expect(error.message.contains("symbolic link"))
        #expect(!error.permanent)
        #expect(try names(elsewhere) == [])
        #expect(try names(outbox.appendingPathComponent("tmp")) == [])

        let linkedOutbox = root.file("linked")
        try FileManager.default.createSymbolicLink(at: linkedOutbox, withDestinationURL: elsewhere)
        let linkError = try #require(throws: TransportError.self) {
            try deliver(OutboxTransport(folder: linkedOutbox), message)
        }
        #expect(linkError.message.contains("symbolic link"))
        #expect(try names(elsewhere) == [])
    }

    @Test("an outbox whose parent folder is missing: a temporary error naming the path")
    func missingParent() throws {
        let root = try TemporaryFolder()
        let outbox = root.file("no-such-folder/retail-jp")
        let error = try #require(throws: TransportError.self) { try deliver(OutboxTransport(folder: outbox), message) }
        #expect(error.message.contains(outbox.path))
        #expect(!error.permanent)
    }
}
