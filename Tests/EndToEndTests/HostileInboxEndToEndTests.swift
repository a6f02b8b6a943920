import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 7's inbox findings, reproduced against the real `competencyd --once` and
/// `competency` on a temporary tree: each failed on the code before the fix.
@Suite(.serialized) struct HostileInboxEndToEndTests {
    static let now = ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"]

    func once(_ desk: TemporaryDesk, timeout: TimeInterval = 60) throws -> ProgramRun {
        try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: Self.now, timeout: timeout)
    }

    func show(_ harness: DaemonHarness, _ id: String) throws -> [String: Any] {
        let run = try harness.cli(["show", id, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    func history(_ harness: DaemonHarness, _ id: String) throws -> String {
        let run = try harness.cli(["history", id])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    /// A message for retail-us, so that its archive and store exist to be attacked.
    func seedRetailUS(_ desk: TemporaryDesk, _ harness: DaemonHarness) throws {
        try harness.deliver(try fixture("examples/json-quoted-printable.eml"), to: "retail-us", name: "1795935823.M1P1.mx1")
        let first = try once(desk)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try harness.queue().contains { ($0["id"] as? String) == "retail-us-1" })
    }

    // MARK: #1 — a symlinked new/ must not reach into another tenant

    @Test(arguments: ["archive-month", "archive-root"])
    func aSymlinkedNewFolderNeverReachesAnotherTenantsArchive(_ target: String) throws {
        let desk = try TemporaryDesk(name: "symlink-new")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        try seedRetailUS(desk, harness)
        let usArchive = desk.archive("retail-us")
        let before = TemporaryDesk.files(under: usArchive).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        let month = try #require(before.first { $0.hasPrefix("20") }).split(separator: "/").prefix(2).joined(separator: "/")
        let pointTo = target == "archive-month" ? usArchive.appendingPathComponent(month) : usArchive

        let jpNew = desk.inbox("retail-jp").appendingPathComponent("new")
        try FileManager.default.removeItem(at: jpNew)
        #expect(symlink(pointTo.path, jpNew.path) == 0)

        let run = try once(desk)
        #expect(run.status != 0, "a tenant that cannot open its inbox safely is unhealthy")
        #expect(run.stderr.contains("symbolic link"), "\(run.stderr)")
        // retail-us's originals and store are exactly where they were; retail-jp stored nothing.
        let after = TemporaryDesk.files(under: usArchive).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(after == before)
        #expect(try harness.queue().allSatisfy { ($0["tenant"] as? String) != "retail-jp" })
        #expect(try harness.queue().contains { ($0["id"] as? String) == "retail-us-1" })
    }

    @Test func aSymlinkedTenantInboxIsRefusedWithTheShippedRelativePaths() throws {
        // The shipped tenant files name the inbox as ../../Inbox/<tenant>: resolving the
        // `..` must not resolve the link at Inbox/retail-jp as well.
        let desk = try TemporaryDesk(name: "symlink-inbox")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        try seedRetailUS(desk, harness)
        let usArchive = desk.archive("retail-us")
        let before = TemporaryDesk.files(under: usArchive).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        let month = try #require(before.first { $0.hasPrefix("20") }).split(separator: "/").prefix(2).joined(separator: "/")
        for target in [usArchive.appendingPathComponent(month), usArchive] {
            try? FileManager.default.removeItem(at: desk.inbox("retail-jp"))
            #expect(symlink(target.path, desk.inbox("retail-jp").path) == 0)
            let run = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
            #expect(run.status != 0)
            #expect(run.stderr.contains("symbolic link"), "\(run.stderr)")
            let after = TemporaryDesk.files(under: usArchive).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
            #expect(after == before, "nothing created, moved or deleted in retail-us's archive")
        }
        #expect(try harness.queue().allSatisfy { ($0["tenant"] as? String) != "retail-jp" })
    }

    // MARK: #3 — a FIFO in the inbox neither blocks the tenant nor stays forever

    @Test func aFIFOInNewIsQuarantinedAndOnceFinishes() throws {
        let desk = try TemporaryDesk(name: "fifo")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        let new = desk.inbox("retail-jp").appendingPathComponent("new")
        try FileManager.default.createDirectory(at: new, withIntermediateDirectories: true)
        #expect(mkfifo(new.appendingPathComponent("1795935800.M0P1.fifo").path, 0o600) == 0)
        try harness.deliver(try fixture("examples/saas-yaml.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")

        let run = try once(desk, timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: new.path).isEmpty)
        let reasons = TemporaryDesk.files(under: desk.archive("retail-jp").appendingPathComponent("quarantine"))
            .filter { $0.hasSuffix(".reason.txt") }
        #expect(reasons.count == 1)
        let reason = try String(
            contentsOf: desk.archive("retail-jp").appendingPathComponent("quarantine/\(reasons[0])"), encoding: .utf8)
        #expect(reason.contains("FIFO"))
        #expect(try harness.queue().count == 1, "the message after the FIFO was still taken")
    }

    // MARK: #7 — a name that is not UTF-8 is quarantined with a reason, not ignored forever

    @Test func aNonUTF8NameIsQuarantinedAndLogged() throws {
        let desk = try TemporaryDesk(name: "non-utf8")
        defer { desk.remove() }
        let new = desk.inbox("retail-jp").appendingPathComponent("new")
        try FileManager.default.createDirectory(at: new, withIntermediateDirectories: true)
        let path = Array(new.path.utf8) + Array("/1795935823.M1P1.".utf8) + [0x93, 0xFA, 0x96, 0x7B] + [0]
        let fd = path.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        #expect(fd >= 0)
        _ = "From: a@b.example\n\nbody".withCString { write(fd, $0, strlen($0)) }
        close(fd)

        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: new.path).isEmpty)
        #expect(run.stderr.contains("not valid UTF-8"), "\(run.stderr)")
        #expect(run.stderr.contains("1795935823.M1P1.\\x93\\xFA\\x96{"), "the name is logged with its bytes escaped")
        let quarantined = TemporaryDesk.files(under: desk.archive("retail-jp").appendingPathComponent("quarantine"))
        #expect(quarantined.count == 2, "the file and its reason: \(quarantined)")
    }

    // MARK: #12 — a loose file still being written is not taken half-way

    @Test func aLooseFileBeingAppendedIsTakenWholeAfterItsQuietPeriod() throws {
        let desk = try TemporaryDesk(name: "quiet", looseFileQuietSeconds: 2)
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        let daemon = try harness.startDaemon()
        defer {
            daemon.signal(SIGTERM)
            _ = daemon.finish()
        }
        let bytes = try fixture("examples/saas-yaml.eml")
        let target = desk.inbox("retail-jp").appendingPathComponent("copied.eml")
        // As cp does: the final name from the first byte, written in pieces, never
        // idle for the whole quiet period (2 s) until the copy is done.
        let pieces = 4
        let size = bytes.count / pieces + 1
        try Data().write(to: target)
        for piece in 0..<pieces {
            let handle = try FileHandle(forWritingTo: target)
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes.dropFirst(piece * size).prefix(size))
            try handle.close()
            usleep(700_000)
            #expect(try harness.queue().isEmpty || piece == pieces - 1, "taken while still being written")
        }
        #expect(try DaemonHarness.eventually(timeout: 10) { try harness.queue().count == 1 })
        #expect(!FileManager.default.fileExists(atPath: target.path))
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("20") }
        #expect(archived.count == 1)
        let stored = try Data(contentsOf: desk.archive("retail-jp").appendingPathComponent(archived[0]))
        #expect(stored == bytes, "the archive holds the whole file")
    }

    @Test func onceSaysWhichLooseFilesItLeftForTheNextRun() throws {
        let desk = try TemporaryDesk(name: "quiet-once", looseFileQuietSeconds: 30)
        defer { desk.remove() }
        let loose = desk.inbox("retail-jp").appendingPathComponent("loose.eml")
        try FileManager.default.createDirectory(at: desk.inbox("retail-jp"), withIntermediateDirectories: true)
        try fixture("examples/saas-yaml.eml").write(to: loose)
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: loose.path))
        let line = run.stderr.split(separator: "\n").first { $0.contains("left for the next run") }
        #expect(line?.contains("loose.eml") == true, "\(run.stderr)")
    }

    @Test func maildirCurIsTakenToo() throws {
        let desk = try TemporaryDesk(name: "cur")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        let cur = desk.inbox("retail-jp").appendingPathComponent("cur")
        try FileManager.default.createDirectory(at: cur, withIntermediateDirectories: true)
        try fixture("examples/saas-yaml.eml").write(to: cur.appendingPathComponent("1795935823.M1P1.mx1:2,S"))
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try harness.queue().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cur.path).isEmpty)
    }

    // MARK: #9 — one partner must never act as another

    /// The Aozora submission with its envelope rewritten to come from `sender`.
    func message(from sender: String, messageID: String, extraHeaders: String = "", body: String? = nil) throws -> Data {
        var text = String(decoding: try fixture("examples/saas-yaml.eml"), as: UTF8.self)
        text = text.replacingOccurrences(of: "hanako.sato@aozora-commerce.example", with: sender)
        text = text.replacingOccurrences(of: "<20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>", with: messageID)
        if !extraHeaders.isEmpty { text = text.replacingOccurrences(of: "MIME-Version: 1.0", with: extraHeaders + "MIME-Version: 1.0") }
        if let body { text = text.replacingOccurrences(of: "いつもお世話になっております。", with: body) }
        return Data(text.utf8)
    }

    @Test func aStrangerNamingAPartnerNeitherBecomesItsRevisionNorPassesItsPartnerChecks() throws {
        let desk = try TemporaryDesk(name: "impersonation")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        try harness.deliver(try fixture("examples/saas-yaml.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        // Same document (APN-310001, Aozora) from a domain that is not Aozora's.
        try harness.deliver(
            try message(from: "m@evil.example", messageID: "<evil-1@evil.example>"), to: "retail-jp",
            name: "1795935824.M2P1.mx1")
        // And a reply into Aozora's thread, also from the stranger.
        try harness.deliver(
            try message(
                from: "m@evil.example", messageID: "<evil-2@evil.example>",
                extraHeaders: "In-Reply-To: <20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>\n"),
            to: "retail-jp", name: "1795935825.M3P1.mx1")
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")

        let genuine = try show(harness, "retail-jp-1")
        #expect(genuine["closed_at"] is NSNull || genuine["closed_at"] == nil, "the partner's own submission stays open")
        #expect(try harness.queue().map { $0["id"] as? String } .contains("retail-jp-1"))
        for id in ["retail-jp-2", "retail-jp-3"] {
            let evil = try show(harness, id)
            // The stranger's two messages may continue each other, never the partner's.
            #expect((evil["previous_revision"] as? String) != "retail-jp-1", "\(id) must not continue retail-jp-1")
            let checks = evil["checks"] as? [[String: Any]] ?? []
            let tier = try #require(checks.first { $0["id"] as? String == "PRE-1.2" })
            #expect(tier["status"] as? String == "review", "\(tier)")
            #expect((tier["reason"] as? String ?? "").contains("evil.example"))
            let problems = evil["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains("sender_domains") }, "show says why: \(problems)")
        }
        #expect(!(try history(harness, "retail-jp-1")).contains("superseded"))
    }

    @Test func mailWithoutASenderAddressNeitherBecomesARevisionNorContinuesAThread() throws {
        let desk = try TemporaryDesk(name: "no-from")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        try harness.deliver(try fixture("examples/saas-yaml.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        func withoutSender(_ messageID: String, extra: String = "", from: String? = nil) throws -> Data {
            let lines = String(decoding: try fixture("examples/saas-yaml.eml"), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("Return-Path:") && !$0.hasPrefix("From:") }
                .map { $0.hasPrefix("Message-ID:") ? Substring("Message-ID: \(messageID)") : $0 }
            var text = lines.joined(separator: "\n")
            if let from { text = "From: \(from)\n" + text }
            return Data((extra + text).utf8)
        }
        // Aozora's document with no From: at all; with a group address and no mailbox;
        // and a bare reply into Aozora's thread, also without a sender.
        try harness.deliver(try withoutSender("<no-from-1@x.example>"), to: "retail-jp", name: "1795935824.M2P1.mx1")
        try harness.deliver(
            try withoutSender("<no-from-2@x.example>", from: "undisclosed-recipients:;"), to: "retail-jp",
            name: "1795935825.M3P1.mx1")
        try harness.deliver(
            try withoutSender(
                "<no-from-3@x.example>", extra: "In-Reply-To: <20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>\n"),
            to: "retail-jp", name: "1795935826.M4P1.mx1")
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!(try history(harness, "retail-jp-1")).contains("superseded"), "Aozora's submission stays open")
        for id in ["retail-jp-2", "retail-jp-3", "retail-jp-4"] {
            let detail = try show(harness, id)
            #expect(detail["previous_revision"] is NSNull, "\(id) continues nothing: \(detail["previous_revision"] ?? "")")
        }
        for id in ["retail-jp-2", "retail-jp-3"] {
            let problems = try show(harness, id)["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains("sender_domains") }, "\(id): \(problems)")
            #expect((try show(harness, id)["partner"] as? String ?? "").contains("未確認"), "listed as unverified")
        }
    }

    // MARK: #10 — a reused Message-ID is not a duplicate unless it is the same message

    @Test func aReusedMessageIDIsANewSubmissionUnlessSenderAndBodyMatch() throws {
        let desk = try TemporaryDesk(name: "message-id")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        let id = "<20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>"
        let original = try fixture("examples/saas-yaml.eml")
        try harness.deliver(original, to: "retail-jp", name: "1795935823.M1P1.mx1")
        // The same message delivered again: one more Received: line, nothing else.
        let redelivered = Data("Received: from relay.example by mx2.competency-office.example; Sun, 29 Nov 2026 10:55:00 +0900\n".utf8) + original
        try harness.deliver(redelivered, to: "retail-jp", name: "1795935824.M2P1.mx1")
        // Same Message-ID, same sender, a different body.
        try harness.deliver(
            try message(from: "hanako.sato@aozora-commerce.example", messageID: id, body: "別の本文です。"),
            to: "retail-jp", name: "1795935825.M3P1.mx1")
        // Same Message-ID from someone else.
        try harness.deliver(
            try message(from: "m@evil.example", messageID: id), to: "retail-jp", name: "1795935826.M4P1.mx1")
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")

        let all = try harness.queue(all: true).compactMap { $0["id"] as? String }.sorted()
        #expect(all == ["retail-jp-1", "retail-jp-2", "retail-jp-3"], "the re-delivery is the only duplicate")
        #expect(try history(harness, "retail-jp-1").contains("duplicate"))
        for other in ["retail-jp-2", "retail-jp-3"] {
            let problems = try show(harness, other)["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains("Message-ID") && $0.contains("retail-jp-1") }, "\(other): \(problems)")
        }
    }

    @Test(.enabled(if: RequiredTool.python3.shouldRun))
    func aStoreFromBeforeBodyHashesComparesBodiesAfterTheUpgrade() throws {
        try RequiredTool.python3.require()
        let desk = try TemporaryDesk(name: "message-id-upgrade")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        let id = "<20261129105431.1ffa0c4e.0001@mail.aozora-commerce.example>"
        let original = try fixture("examples/saas-yaml.eml")
        try harness.deliver(original, to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(try once(desk).status == 0)
        // As a store written before schema v3 would be: no body hash, no sender address.
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE submission SET body_sha256=NULL, sender_address=NULL'); c.commit()",
            store.path,
        ]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)

        // The same sender, the same Message-ID, another body: a new submission.
        try harness.deliver(
            try message(from: "hanako.sato@aozora-commerce.example", messageID: id, body: "別の本文です。"),
            to: "retail-jp", name: "1795935824.M2P1.mx1")
        // And the original delivered again: still a duplicate.
        try harness.deliver(
            Data("Received: from relay.example by mx2.competency-office.example; Sun, 29 Nov 2026 10:55:00 +0900\n".utf8)
                + original, to: "retail-jp", name: "1795935825.M3P1.mx1")
        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("body hashes recorded"), "\(run.stderr)")
        let all = try harness.queue(all: true).compactMap { $0["id"] as? String }.sorted()
        #expect(all == ["retail-jp-1", "retail-jp-2"])
        #expect(try history(harness, "retail-jp-1").contains("duplicate"))
    }

    // MARK: #14 — what the archive holds and the store lost is ingested again

    @Test func aStoreRestoredFromAnOlderBackupCatchesUpFromTheArchive() throws {
        let desk = try TemporaryDesk(name: "reconcile")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: Self.now)
        try harness.deliver(try fixture("examples/saas-yaml.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        #expect(try once(desk).status == 0)
        let store = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        let backup = desk.root.appendingPathComponent("backup.sqlite")
        // A cold copy, taken while nothing runs: the database with its WAL.
        try FileManager.default.copyItem(at: store, to: backup)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: store.path + suffix) {
            try FileManager.default.copyItem(atPath: store.path + suffix, toPath: backup.path + suffix)
        }

        try harness.deliver(try fixture("examples/csv-cp932-japanese-labels.eml"), to: "retail-jp", name: "1795935824.M2P1.mx1")
        try harness.deliver(try fixture("iso2022jp-submission.eml"), to: "retail-jp", name: "1795935825.M3P1.mx1")
        #expect(try once(desk).status == 0)
        #expect(try harness.queue(all: true).count == 3)

        // The disk is replaced; the office restores last night's backup (one submission).
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: store.path + suffix)
            if FileManager.default.fileExists(atPath: backup.path + suffix) {
                try FileManager.default.copyItem(atPath: backup.path + suffix, toPath: store.path + suffix)
            }
        }
        #expect(try harness.queue(all: true).count == 1)

        let run = try once(desk)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("recovered"), "\(run.stderr)")
        let all = try harness.queue(all: true)
        #expect(all.count == 3, "both lost messages came back from the archive")
        let recovered = try all.compactMap { $0["id"] as? String }.filter { try history(harness, $0).contains("recovered") }
        #expect(recovered.count == 2)
        // Running again recovers nothing more: nothing is stored twice.
        #expect(try once(desk).status == 0)
        #expect(try harness.queue(all: true).count == 3)
    }
}
