import DeskStore
import DeskTesting
import Foundation
import Testing

/// `kill -9` at arbitrary instants during ingest: nothing lost, nothing stored twice.
///
/// The check must be able to see a double. A third of the messages carry a unique
/// Message-ID; a third carry none; a third carry none and share every header, with
/// only their bodies different. Neither the Message-ID rule nor the header fields
/// can then hide a broken resume path: each stored submission is traced back to
/// the inbox file it came from through its archive name, read from the store itself.
@Suite(.serialized) struct CrashRecoveryTests {
    static func message(_ index: Int) -> Data {
        let filler = String(repeating: "自己診断の本文です。", count: 200)
        switch index % 3 {
        case 0:
            return Data(
                """
                Received: from mail.partner\(index).example by mx1.competency-office.example; Mon, 30 Nov 2026 09:\(String(format: "%02d", index % 60)):00 +0900
                From: Partner \(index) <pdm@partner\(index).example>
                To: retail-competency-jp@competency-office.example
                Subject: [Partner \(index) KK], Retail Competency Technology Partner Completed Self-Assessment
                Date: Mon, 30 Nov 2026 09:00:00 +0900
                Message-ID: <crash-\(index)@partner\(index).example>
                Content-Type: text/plain; charset=utf-8

                \(filler)

                """.utf8)
        case 1:
            return Data(
                """
                Received: from mail.partner\(index).example by mx1.competency-office.example; Mon, 30 Nov 2026 09:\(String(format: "%02d", index % 60)):00 +0900
                From: Partner \(index) <pdm@partner\(index).example>
                Subject: No Message-ID \(index)
                Content-Type: text/plain; charset=utf-8

                \(filler)

                """.utf8)
        default:
            // Identical headers across this third: only the body tells them apart.
            return Data(
                """
                Received: from mail.same.example by mx1.competency-office.example; Mon, 30 Nov 2026 09:30:00 +0900
                From: Same Partner <pdm@same.example>
                Subject: Self-assessment
                Content-Type: text/plain; charset=utf-8

                \(filler) No. \(index)

                """.utf8)
        }
    }

    static func inboxName(_ index: Int) -> String {
        "17644600\(String(format: "%02d", index % 100)).M\(index)P1.mx1"
    }

    /// The inbox name of each stored submission, from its archive path (`YYYY/MM/<hash>-<name>`).
    static func storedInboxNames(_ desk: TemporaryDesk) throws -> [String] {
        let url = desk.archive("retail-jp").appendingPathComponent("competency.sqlite")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let store = try SubmissionStore(tenant: "retail-jp", url: url)
        return try store.submissions(includeClosed: true).map {
            String($0.archivePath.split(separator: "/").last!.drop { $0 != "-" }.dropFirst())
        }
    }

    /// A desk whose group commits hold at most `batchFiles` files.
    static func desk(batchFiles: Int) throws -> TemporaryDesk {
        let desk = try TemporaryDesk(name: "crash")
        let settings = try String(contentsOf: desk.configFile, encoding: .utf8)
        #expect(settings.contains("\n  batch_files: 32\n"), "the shipped competencyd.yaml sets ingest.batch_files")
        try settings.replacingOccurrences(of: "\n  batch_files: 32\n", with: "\n  batch_files: \(batchFiles)\n")
            .write(to: desk.configFile, atomically: true, encoding: .utf8)
        return desk
    }

    /// The invariant at any instant: every message is in the inbox or stored (and
    /// then archived); none is lost, none is stored twice. Returns (waiting, stored).
    static func checkNothingLostNothingDoubled(_ desk: TemporaryDesk, count: Int, _ when: String) throws -> (Set<String>, [String]) {
        let waiting = Set(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")))
        let stored = try Self.storedInboxNames(desk)
        #expect(Set(stored).count == stored.count, "\(when): a message stored twice: \(stored.sorted())")
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
        let archivedNames = Set(archived.map { String($0.split(separator: "/").last!.drop { $0 != "-" }.dropFirst()) })
        for index in 1...count {
            let name = Self.inboxName(index)
            let isStored = stored.contains(name)
            #expect(waiting.contains(name) || isStored, "\(when): message \(index) is neither in the inbox nor stored")
            if isStored { #expect(archivedNames.contains(name), "\(when): message \(index) is stored but not archived") }
        }
        #expect(!TemporaryDesk.files(under: desk.archive("retail-jp")).contains { $0.hasPrefix("quarantine/") })
        return (waiting, stored)
    }

    /// Killed at each instant of a group commit (`COMPETENCY_TEST_CRASH_AT`, the
    /// daemon's fault-injection points): then a clean run stores each message once.
    @Test(arguments: ["archived", "committed", "partly-removed"])
    func killedAtEachInstantOfAGroupCommit(_ instant: String) throws {
        let desk = try Self.desk(batchFiles: 8)
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let count = 12
        for index in 1...count {
            try harness.deliver(Self.message(index), to: "retail-jp", name: Self.inboxName(index))
        }
        var environment = harness.environment
        environment["COMPETENCY_TEST_CRASH_AT"] = instant
        let killed = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: environment)
        #expect(killed.status != 0, "the daemon died at \(instant): \(killed.status)")
        let (waiting, stored) = try Self.checkNothingLostNothingDoubled(desk, count: count, "killed at \(instant)")
        switch instant {
        case "archived":
            // Archived but not recorded: nothing stored, all still waiting.
            #expect(stored.isEmpty)
            #expect(waiting.count == count)
            #expect(!TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }.isEmpty)
        case "committed":
            // The first batch recorded, none removed: stored and still in the inbox.
            #expect(stored.count == 8)
            #expect(waiting.count == count)
        default:
            #expect(stored.count == 8)
            #expect(waiting.count == count - 1)
        }

        let once = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(once.status == 0, "\(once.stderr)")
        let (left, after) = try Self.checkNothingLostNothingDoubled(desk, count: count, "after the restart")
        #expect(left.isEmpty)
        #expect(after.count == count, "every message once: \(after.count) stored of \(count)")
        if instant != "archived" {
            #expect(once.stderr.contains("finished an ingest interrupted earlier"), "the restart resumed what was committed")
        }
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
        #expect(archived.count == count, "one archived original per message: \(archived)")
    }

    @Test(arguments: [1, 7])
    func killedWhileIngestingThenRestartedStoresEveryMessageExactlyOnce(batchFiles: Int) throws {
        let desk = try Self.desk(batchFiles: batchFiles)
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let count = 100
        for index in 1...count {
            try harness.deliver(Self.message(index), to: "retail-jp", name: Self.inboxName(index))
        }

        var killsMidIngest = 0
        var round = 0
        while !TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")).isEmpty && round < 40 {
            round += 1
            let daemon = try ChildProcess.start(
                "competencyd", ["--config", desk.configFile.path], environment: harness.environment)
            // Kill at a different instant each round, counted from when ingest can begin
            // (the first round also exercises a kill during start-up).
            if round > 1 {
                _ = DaemonHarness.eventually(timeout: 10) {
                    daemon.stderrSoFar.contains("watching inbox") && daemon.stderrSoFar.contains("tenant=retail-jp")
                }
            }
            // Walking through the first 0.4 s of ingest in 23 ms steps: a pass over the
            // backlog takes a few hundred ms on an idle machine (more when loaded), and
            // each round starts on what the last one left.
            usleep(useconds_t((round * 23_000) % 400_000))
            daemon.signal(SIGKILL)
            _ = daemon.finish()

            let (waiting, stored) = try Self.checkNothingLostNothingDoubled(desk, count: count, "round \(round)")
            if !waiting.isEmpty && !stored.isEmpty { killsMidIngest += 1 }
        }
        #expect(killsMidIngest >= 1, "at least one kill landed while files were being ingested")

        // A final clean pass finishes whatever the last kill interrupted.
        let once = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(once.status == 0, "\(once.stderr)")
        let stored = try Self.storedInboxNames(desk)
        #expect(stored.count == count, "every message once: \(stored.count) stored of \(count)")
        #expect(Set(stored) == Set((1...count).map(Self.inboxName)))
        #expect(try harness.queue(all: true).count == count)
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp")).isEmpty)
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
        #expect(
            archived.count == count,
            "one archived original per message, no temporaries: \(archived.filter { $0.contains(".competency-tmp") })")
        print("crash test (batches of \(batchFiles)): \(round) kills, \(killsMidIngest) mid-ingest")
    }
}
