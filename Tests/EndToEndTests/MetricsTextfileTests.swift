import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12, item 4: the metrics file node_exporter's textfile collector reads,
/// read back with Prometheus's own Python parser and compared with what the store,
/// the outbox and the quarantine hold.
@Suite(.serialized, .enabled(if: RequiredTool.prometheusClient.shouldRun, "needs python3 with prometheus_client"))
struct MetricsTextfileTests {
    /// Every sample as `[name, {labels}, value]`, and each family's type, as the parser reads them.
    static let parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {"samples": [], "types": {}}
        for family in text_string_to_metric_families(sys.stdin.read()):
            out["types"][family.name] = family.type
            for s in family.samples:
                out["samples"].append([s.name, s.labels, s.value])
        print(json.dumps(out))
        """

    struct Parsed {
        var samples: [(name: String, labels: [String: String], value: Double)]
        var types: [String: String]

        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
    }

    static func parse(_ text: String) throws -> Parsed {
        let run = try ProgramRun.runTool("python3", ["-c", parser], stdin: text)
        guard run.status == 0 else {
            throw HarnessError("the Prometheus parser refused the file: \(run.stderr)\n\(text)")
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let samples = (object["samples"] as? [[Any]] ?? []).map { sample in
            (
                name: sample[0] as? String ?? "", labels: sample[1] as? [String: String] ?? [:],
                value: (sample[2] as? NSNumber)?.doubleValue ?? .nan
            )
        }
        return Parsed(samples: samples, types: object["types"] as? [String: String] ?? [:])
    }

    @Test func theTextfileParsesAndItsValuesAreTheStoresTheOutboxsAndTheQuarantines() throws {
        try RequiredTool.prometheusClient.require()
        let desk = try OperationsTests.desk("metrics", extra: "metrics:\n  textfile: ../metrics/competency.prom\n")
        defer { desk.remove() }
        let textfile = desk.root.appendingPathComponent("metrics/competency.prom")
        // Months after receipt: both submissions are breached, so SLA alerts are sent.
        let harness = DaemonHarness(desk: desk, environment: ["COMPETENCY_NOW": "2027-03-01T10:00:00+09:00"])
        let daemon = try harness.startDaemon()
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        try harness.deliver(try OperationsTests.message(1), to: "retail-jp", name: "1795935821.M1P1.mx1")
        try harness.deliver(try OperationsTests.message(2), to: "retail-jp", name: "1795935822.M1P1.mx1")
        try harness.deliver(try fixture("auto-reply.eml"), to: "retail-jp", name: "1795935823.M1P1.mx1")
        try harness.deliver(try fixture("not-a-message.png"), to: "retail-jp", name: "1795935824.M1P1.mx1")
        #expect(DaemonHarness.eventually(timeout: 30) { (try? harness.queue(all: true).count) == 3 })

        let outbox = desk.root.appendingPathComponent("Outbox/retail-jp/new")
        func outboxMessages(purposePrefix: String) -> Int {
            TemporaryDesk.files(under: outbox).filter { name in
                let text = (try? String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)) ?? ""
                return text.contains("X-Competency-Purpose: \(purposePrefix)")
            }.count
        }
        var parsed = Parsed(samples: [], types: [:])
        #expect(
            try DaemonHarness.eventually(timeout: 30) {
                guard let text = try? String(contentsOf: textfile, encoding: .utf8) else { return false }
                parsed = try Self.parse(text)
                return parsed.value("competency_ingest_duration_seconds_count", ["tenant": "retail-jp"]) == 3
                    && parsed.value("competency_alerts_sent_total", ["tenant": "retail-jp"]) ?? 0 > 0
                    && parsed.value("competency_quarantine_files", ["tenant": "retail-jp"]) == 1
                    && parsed.value("competency_alerts_sent_total", ["tenant": "retail-jp"])
                        == Double(outboxMessages(purposePrefix: "alert-"))
            }, "\(parsed.samples)")

        // Submissions by verdict: what queue --all --json says the store holds.
        let queue = try harness.queue(all: true)
        var verdicts: [String: Int] = [:]
        for row in queue { verdicts[row["verdict"] as? String ?? "?", default: 0] += 1 }
        #expect(verdicts == ["triage": 2, "ignored": 1], "\(verdicts)")
        for verdict in ["ready", "incomplete", "triage", "ignored"] {
            #expect(
                parsed.value("competency_submissions", ["tenant": "retail-jp", "verdict": verdict])
                    == Double(verdicts[verdict] ?? 0),
                "\(verdict)")
            #expect(parsed.value("competency_submissions", ["tenant": "retail-us", "verdict": verdict]) == 0)
        }
        // Open by SLA state: the two triage submissions are breached; the auto-reply is not open.
        #expect(parsed.value("competency_open_submissions", ["tenant": "retail-jp", "sla": "breached"]) == 2)
        #expect(parsed.value("competency_open_submissions", ["tenant": "retail-jp", "sla": "on-track"]) == 0)
        #expect(parsed.value("competency_open_submissions", ["tenant": "retail-jp", "sla": "at-risk"]) == 0)
        // Alerts: what the outbox holds (one per recipient and alert); none failed.
        #expect(
            parsed.value("competency_alerts_sent_total", ["tenant": "retail-jp"])
                == Double(outboxMessages(purposePrefix: "alert-")))
        #expect(parsed.value("competency_alerts_failed_total", ["tenant": "retail-jp"]) == 0)
        // Quarantine: one file now, one quarantined since start; no ingest errors.
        #expect(parsed.value("competency_quarantined_total", ["tenant": "retail-jp"]) == 1)
        #expect(parsed.value("competency_ingest_errors_total", ["tenant": "retail-jp"]) == 0)
        // The latency histogram: cumulative buckets ending in +Inf = count = 3 stored files.
        #expect(parsed.types["competency_ingest_duration_seconds"] == "histogram")
        #expect(parsed.value("competency_ingest_duration_seconds_bucket", ["tenant": "retail-jp", "le": "+Inf"]) == 3)
        let buckets = parsed.samples.filter {
            $0.name == "competency_ingest_duration_seconds_bucket" && $0.labels["tenant"] == "retail-jp"
        }
        #expect(buckets.count == 13)
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "cumulative")
        #expect((parsed.value("competency_ingest_duration_seconds_sum", ["tenant": "retail-jp"]) ?? 0) > 0)
        // Last sweep: a real Unix time of this run (not COMPETENCY_NOW); health.
        let sweep = try #require(parsed.value("competency_last_sweep_timestamp_seconds", ["tenant": "retail-jp"]))
        #expect(abs(sweep - Date().timeIntervalSince1970) < 120, "\(sweep)")
        #expect(parsed.value("competency_tenant_healthy", ["tenant": "retail-jp"]) == 1)
        #expect(parsed.value("competency_tenant_healthy", ["tenant": "retail-us"]) == 1)
        #expect(parsed.types["competency_alerts_sent"] == "counter")
        #expect(parsed.types["competency_open_submissions"] == "gauge")

        // node_exporter runs as its own user: the file is world-readable, and was
        // replaced atomically (no temporary left beside it).
        var status = stat()
        #expect(stat(textfile.path, &status) == 0 && status.st_mode & 0o777 == 0o644)
        #expect(TemporaryDesk.files(under: textfile.deletingLastPathComponent()) == ["competency.prom"])
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }

    @Test func aTextfileNotEndingInPromIsAConfigurationErrorNamingTheKey() throws {
        let desk = try OperationsTests.desk("metrics-bad", extra: "metrics:\n  textfile: ../metrics/competency.txt\n")
        defer { desk.remove() }
        let run = try ProgramRun.run("competencyd", ["--config", desk.configFile.path, "--once"])
        #expect(run.status == 78)
        #expect(run.stderr.contains("competencyd.yaml"), "\(run.stderr)")
        #expect(run.stderr.contains("textfile"), "\(run.stderr)")
        #expect(run.stderr.contains(".prom"), "\(run.stderr)")
    }
}
