import DeskConfig
import DeskInbox
import DeskServices
import DeskStore
import DeskTesting
import Foundation
import Logging
import Testing

/// Group commit (issue 11): files of one batch are recorded in one transaction,
/// in order, so a copy of a message earlier in the same batch is its duplicate
/// and never a second submission.
struct GroupCommitTests {
    @Test func copiesOfOneMessageInOneBatchAreOneSubmission() throws {
        let desk = try TemporaryDesk(name: "batch-duplicates")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        // A message with a Message-ID (CrashRecoveryTests' shape), the very same bytes
        // under another name, the same message delivered again (one more Received:
        // line, same Message-ID, sender and body), and one other message.
        let original = CrashRecoveryTests.message(3)
        let redelivered = Data(
            "Received: from relay.competency-office.example by mx2.competency-office.example; Mon, 30 Nov 2026 09:05:00 +0900\n"
                .utf8) + original
        let other = CrashRecoveryTests.message(6)
        _ = try harness.deliver(original, to: "retail-jp", name: "1764460001.M1P1.mx1")
        _ = try harness.deliver(original, to: "retail-jp", name: "1764460002.M2P1.mx1")
        _ = try harness.deliver(redelivered, to: "retail-jp", name: "1764460003.M3P1.mx1")
        _ = try harness.deliver(other, to: "retail-jp", name: "1764460004.M4P1.mx1")

        // All four in one batch (the shipped batch_files is 32).
        let run = try ProgramRun.run(
            "competencyd", ["--config", desk.configFile.path, "--once"], environment: harness.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "duplicate archived; no new submission").count - 1 == 2, "\(run.stderr)")

        let all = try harness.queue(all: true)
        #expect(all.count == 2, "one submission for the three copies, one for the other message: \(all)")
        let id = try #require(all.first { ($0["message_id"] as? String)?.contains("crash-3@") == true }?["id"] as? String)
        let history = try harness.cli(["history", id])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.components(separatedBy: "duplicate-received").count - 1 == 2, "\(history.stdout)")
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")).isEmpty)
        let archived = TemporaryDesk.files(under: desk.archive("retail-jp")).filter { $0.hasPrefix("2026/") }
        #expect(archived.count == 4, "every copy's original is archived: \(archived)")
    }

    /// A batch holds what the scan measured: a file that grows between the scan and
    /// the read (still being written, or swollen on purpose so that a batch of tiny
    /// files would hold 32 × max_message_bytes) is left for the next scan, whole.
    @Test func aFileThatGrowsAfterTheScanWaitsForTheNextScan() throws {
        let desk = try TemporaryDesk(name: "batch-grown")
        defer { desk.remove() }
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00"])
        let file = try harness.deliver(CrashRecoveryTests.message(1), to: "retail-jp", name: "1764460001.M1P1.mx1")
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let tenant = try #require(configuration.tenants.first { $0.id == "retail-jp" })
        let pipeline = IngestPipeline(
            tenant: tenant, store: try SubmissionStore(tenant: tenant.id, url: tenant.store),
            maxMessageBytes: configuration.daemon.maxMessageBytes,
            registry: RegistryCache(url: tenant.registry, logger: Logger(label: "test")))
        let inbox = try InboxFolder(opening: tenant.inbox)
        let scanned = try #require(inbox.scan(now: Date()).ready.first)

        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x41, count: 1 << 20))
        try handle.close()
        let now = Date()
        let outcome = try pipeline.commit([pipeline.prepare(scanned, actor: "test", now: now)], now: now)[0].get()
        guard case .skipped(let reason) = outcome else {
            Issue.record("a grown file must wait, not be taken: \(outcome)")
            return
        }
        #expect(reason.contains("grew from \(scanned.size) to"), "\(reason)")
        #expect(FileManager.default.fileExists(atPath: file.path), "left in the inbox")
        #expect(try pipeline.store.submissions(includeClosed: true).isEmpty)

        // The next scan sees its real size and takes it.
        let rescanned = try #require(inbox.scan(now: Date()).ready.first)
        let taken = try pipeline.commit([pipeline.prepare(rescanned, actor: "test", now: now)], now: now)[0].get()
        guard case .stored = taken else {
            Issue.record("the next scan stores it: \(taken)")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }
}
