import DeskTesting
import Foundation
import Testing

/// `kill -9` at arbitrary instants during ingest: nothing lost, nothing stored twice.
@Suite(.serialized) struct CrashRecoveryTests {
    static func message(_ index: Int) -> Data {
        let filler = String(repeating: "自己診断の本文です。", count: 200)
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
    }

    @Test func killedWhileIngestingThenRestartedStoresEveryMessageExactlyOnce() throws {
        let desk = try TemporaryDesk(name: "crash")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let count = 60
        for index in 1...count {
            try harness.deliver(
                Self.message(index), to: "retail-jp",
                name: "17644600\(String(format: "%02d", index % 100)).M\(index)P1.mx1")
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
            // inbox or stored (and then archived); none is lost.
            let waiting = Set(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")))
            let stored = try harness.queue(all: true).compactMap { $0["message_id"] as? String }
            #expect(Set(stored).count == stored.count, "no message stored twice")
            let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
            let archivedNames = Set(
                archived.map { String($0.split(separator: "/").last!.drop { $0 != "-" }.dropFirst()) })
            for index in 1...count {
                let inboxName = "17644600\(String(format: "%02d", index % 100)).M\(index)P1.mx1"
                let isStored = stored.contains("<crash-\(index)@partner\(index).example>")
                #expect(waiting.contains(inboxName) || isStored, "message \(index) is neither in the inbox nor stored")
                if isStored {
                    #expect(archivedNames.contains(inboxName), "message \(index) is stored but not archived")
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
        let stored = try harness.queue(all: true)
        #expect(stored.count == count)
        #expect(Set(stored.compactMap { $0["message_id"] as? String }).count == count)
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp")).isEmpty)
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
        #expect(
            archived.count == count,
            "one archived original per message, no temporaries: \(archived.filter { $0.contains(".competency-tmp") })")
        print("crash test: \(round) kills, \(killsMidIngest) mid-ingest")
    }
}
