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

    @Test func killedWhileIngestingThenRestartedStoresEveryMessageExactlyOnce() throws {
        let desk = try TemporaryDesk(name: "crash")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let count = 60
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
            usleep(useconds_t((round * 7_000) % 60_000))
            daemon.signal(SIGKILL)
            _ = daemon.finish()

            // The invariant at the instant of the kill: every message is still in the
            // inbox or stored (and then archived); none is lost, none is stored twice.
            let waiting = Set(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")))
            let stored = try Self.storedInboxNames(desk)
            #expect(Set(stored).count == stored.count, "a message stored twice: \(stored.sorted())")
            let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
            let archivedNames = Set(
                archived.map { String($0.split(separator: "/").last!.drop { $0 != "-" }.dropFirst()) })
            for index in 1...count {
                let name = Self.inboxName(index)
                let isStored = stored.contains(name)
                #expect(waiting.contains(name) || isStored, "message \(index) is neither in the inbox nor stored")
                if isStored {
                    #expect(archivedNames.contains(name), "message \(index) is stored but not archived")
                }
            }
            if !waiting.isEmpty && !stored.isEmpty { killsMidIngest += 1 }
            #expect(!TemporaryDesk.files(under: desk.archive("retail-jp")).contains { $0.hasPrefix("quarantine/") })
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
        print("crash test: \(round) kills, \(killsMidIngest) mid-ingest")
    }
}
