import DeskConfig
import DeskCore
import DeskInbox
import DeskStore
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// What the running daemon knows about itself, for operators: each tenant's
/// health and its reason, its last sweep, the counts its store holds, and what
/// the process counted since it started (ingest errors, quarantined files, ingest
/// latency).
///
/// Contract — tenants report here from their own threads (`TenantService`); the
/// board publishes:
/// - the **status file** `<state_folder>/competencyd.status.json` (0644): the
///   daemon's pid, start, a heartbeat time, and each tenant's health, reason and
///   last sweep — no submission data, so any local user may read it; `competency
///   status` reads it for "is the daemon alive" and the health it cannot see
///   from the store;
/// - the **metrics file** (`metrics: {textfile: PATH}`, off by default): the
///   Prometheus text format for node_exporter's textfile collector;
/// - systemd's **`STATUS=`** line after each tenant's sweep (per-tenant queue
///   depth and last sweep), except while the watchdog reports a stuck tenant,
///   whose `STATUS=stuck: …` stays.
/// Both files are replaced atomically (`DurableFile`: temporary, fsync, rename),
/// so a reader never sees half of one. A failure to write them is logged once
/// per distinct error and never stops a tenant.
public final class OperationsBoard: @unchecked Sendable {
    // @unchecked: every mutable property is guarded by `lock`.
    private let lock = NSLock()
    let statusFile: URL
    private var metricsFile: URL?
    let notifier: SystemdNotifier?
    let progress: ProgressMonitor?
    let logger: Logger?
    /// The real time (never COMPETENCY_NOW): heartbeats and sweep times are the process's.
    let wallClock: @Sendable () -> Date
    let startedAt: Date
    /// How often the heartbeat is written (`OperationsReporter`); `status` calls a
    /// heartbeat older than three of these dead.
    public let heartbeatInterval: Duration
    private var tenants: [String: TenantState] = [:]
    private var order: [String] = []
    private var disabled: [String: String] = [:]
    private var lastWriteError: String?
    private var lastStatusLine: String?
    /// `STATUS=` is sent only between `READY=1` and `STOPPING=1` (`WatchdogService`
    /// says when): before READY systemd is still waiting for the start-up scan.
    private var notifying = false

    /// The status file's name in the state folder.
    public static let statusFileName = "competencyd.status.json"
    /// Ingest latency buckets, seconds (a file read, checked, archived, fsynced and committed).
    public static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    public init(
        daemon: DaemonConfiguration, notifier: SystemdNotifier? = nil, progress: ProgressMonitor? = nil,
        logger: Logger? = nil, heartbeatInterval: Duration = .seconds(10), wallClock: @escaping @Sendable () -> Date
    ) {
        statusFile = daemon.stateFolder.appendingPathComponent(Self.statusFileName)
        metricsFile = daemon.metricsTextfile
        self.notifier = notifier
        self.progress = progress
        self.logger = logger
        self.heartbeatInterval = heartbeatInterval
        self.wallClock = wallClock
        startedAt = wallClock()
    }

    /// One tenant as the board knows it.
    struct TenantState {
        /// What is wrong now, by area (`open`, `ingest`, `sweep`); healthy when empty.
        var problems: [String: String] = [:]
        var reported = false
        var lastSweep: Date?
        var counts: StoreCounts?
        var openBySLA: [String: Int] = [:]
        var quarantineFiles = 0
        var ingestErrors = 0
        var quarantined = 0
        var stored = 0
        var latencyCounts = [Int](repeating: 0, count: OperationsBoard.latencyBuckets.count)
        var latencyCount = 0
        var latencySum = 0.0

        var healthy: Bool { problems.isEmpty }
        var reason: String? {
            problems.isEmpty ? nil : problems.sorted { $0.key < $1.key }.map(\.value).joined(separator: "; ")
        }
    }

    // MARK: - Reports from the tenants

    /// The tenants running now (after start or a reload) and the disabled ones with
    /// why; what a tenant counted survives a reload, a tenant gone is forgotten.
    public func running(_ configuration: DeskConfiguration) {
        lock.withLock {
            order = configuration.tenants.map(\.id)
            metricsFile = configuration.daemon.metricsTextfile
            tenants = tenants.filter { order.contains($0.key) }
            for id in order where tenants[id] == nil { tenants[id] = TenantState() }
            disabled = Dictionary(
                configuration.disabledTenants.map { ($0.tenantID, "its configuration has a mistake: \($0.error)") },
                uniquingKeysWith: { a, _ in a })
        }
    }

    /// `area` of `tenant` works (again).
    public func healthy(_ tenant: String, _ area: String) {
        lock.withLock {
            tenants[tenant, default: TenantState()].problems[area] = nil
            tenants[tenant]?.reported = true
        }
    }

    /// `area` of `tenant` fails, and why.
    public func unhealthy(_ tenant: String, _ area: String, reason: String) {
        lock.withLock {
            tenants[tenant, default: TenantState()].problems[area] = reason
            tenants[tenant]?.reported = true
        }
    }

    /// A file was stored (or recognised as a duplicate) in `seconds`.
    public func ingested(_ tenant: String, seconds: Double) {
        lock.withLock {
            var state = tenants[tenant, default: TenantState()]
            state.stored += 1
            state.latencyCount += 1
            state.latencySum += seconds
            for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound {
                state.latencyCounts[index] += 1
            }
            tenants[tenant] = state
        }
    }

    /// A file was quarantined.
    public func quarantined(_ tenant: String) {
        lock.withLock { tenants[tenant, default: TenantState()].quarantined += 1 }
    }

    /// A file could not be ingested for a reason of the environment (left in the inbox).
    public func ingestFailed(_ tenant: String) {
        lock.withLock { tenants[tenant, default: TenantState()].ingestErrors += 1 }
    }

    /// A sweep finished: the store's counts then, and the open submissions by SLA
    /// state at the tenant's `now`. Publishes at once (files and `STATUS=`).
    public func swept(
        _ tenant: TenantConfiguration, counts: StoreCounts, quarantineFiles: Int, slaNow: Date
    ) {
        var bySLA: [String: Int] = [:]
        for state in [SLAState.onTrack, .atRisk, .breached, .none] { bySLA[state.rawValue] = 0 }
        for deadline in counts.openDeadlines {
            let state = tenant.sla.state(deadline: deadline, respondedAt: nil, at: slaNow, calendar: tenant.calendar)
            bySLA[state.rawValue, default: 0] += 1
        }
        let now = wallClock()
        lock.withLock {
            var state = tenants[tenant.id, default: TenantState()]
            state.lastSweep = now
            state.counts = counts
            state.openBySLA = bySLA
            state.quarantineFiles = quarantineFiles
            tenants[tenant.id] = state
        }
        publish(notify: true)
    }

    // MARK: - Publishing

    /// The watchdog sent `READY=1` (true) or `STOPPING=1` (false).
    public func setNotifying(_ on: Bool) {
        lock.withLock {
            notifying = on
            if on { lastStatusLine = nil }
        }
        if on { publish(notify: true) }
    }

    /// Writes the status file and the metrics file; with `notify`, sends `STATUS=`
    /// (unless a tenant is stuck: the watchdog's line then stays).
    public func publish(notify: Bool = false, stopping: Bool = false) {
        let now = wallClock()
        let (statusText, metricsText, metricsURL) = lock.withLock {
            (statusJSON(at: now, stopping: stopping), metrics(at: now), metricsFile)
        }
        write(Array(statusText.utf8), to: statusFile)
        if let metricsURL { write(Array(metricsText.utf8), to: metricsURL) }
        if notify, let notifier, progress?.stalls().isEmpty ?? true {
            // Composed and sent under the lock: two tenants publishing at once must
            // not let an older line overtake a newer one.
            lock.withLock {
                let statusLine = statusLineText()
                guard notifying, lastStatusLine != statusLine else { return }
                lastStatusLine = statusLine
                notifier.notify("STATUS=\(statusLine)")
            }
        }
    }

    private func write(_ bytes: [UInt8], to url: URL) {
        do {
            try DurableFile.write(bytes, to: url, mode: 0o644)
            lock.withLock { lastWriteError = nil }
        } catch {
            let text = "\(error)"
            let first = lock.withLock {
                defer { lastWriteError = text }
                return lastWriteError != text
            }
            if first {
                logger?.error(
                    "cannot write the status or metrics file", metadata: ["file": "\(url.path)", "error": "\(text)"])
            }
        }
    }

    /// `retail-jp: 3 open, swept 10:00:05Z; retail-us: unhealthy (…)`. Called under the lock.
    private func statusLineText() -> String {
        var parts: [String] = []
        for id in order {
            guard let state = tenants[id] else { continue }
            var text = "\(id): \(state.counts?.open ?? 0) open"
            if let sweep = state.lastSweep { text += ", swept \(Self.timeOfDay(sweep))" }
            if let reason = state.reason { text += ", unhealthy (\(SafeText.escapingControls(reason).prefix(120)))" }
            parts.append(text)
        }
        for id in disabled.keys.sorted() { parts.append("\(id): disabled") }
        return parts.joined(separator: "; ")
    }

    static func timeOfDay(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss'Z'"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The status file's document. Called under the lock.
    private func statusJSON(at now: Date, stopping: Bool) -> String {
        var list: [JSONValue] = []
        for id in order {
            guard let state = tenants[id] else { continue }
            list.append(
                .object([
                    ("id", .string(id)),
                    ("state", .string(!state.reported ? "starting" : state.healthy ? "healthy" : "unhealthy")),
                    ("healthy", .bool(state.healthy)),
                    ("reason", state.reason.map(JSONValue.string) ?? .null),
                    ("last_sweep", state.lastSweep.map { .string(Self.iso($0)) } ?? .null),
                    (
                        "last_sweep_unix",
                        state.lastSweep.map { .number(Double(Int($0.timeIntervalSince1970))) } ?? .null
                    ),
                ]))
        }
        for id in disabled.keys.sorted() {
            list.append(
                .object([
                    ("id", .string(id)), ("state", .string("disabled")), ("healthy", .bool(false)),
                    ("reason", .string(disabled[id] ?? "")), ("last_sweep", .null), ("last_sweep_unix", .null),
                ]))
        }
        let document = JSONValue.object([
            ("version", .number(1)),
            ("pid", .number(Double(getpid()))),
            ("started_at", .string(Self.iso(startedAt))),
            ("heartbeat_at", .string(Self.iso(now))),
            ("heartbeat_unix", .number(Double(Int(now.timeIntervalSince1970)))),
            ("heartbeat_seconds", .number(Double(heartbeatInterval.components.seconds))),
            ("stopped", .bool(stopping)),
            ("tenants", .array(list)),
        ])
        return document.rendered() + "\n"
    }

    // MARK: - The Prometheus text format

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    ///
    /// Written by hand rather than through swift-prometheus's registry: nearly every
    /// value is a snapshot the tenant's thread reads from its store and archive after
    /// each sweep (stored, open, alerts, quarantine), so a registry would only be a
    /// second copy to keep in step, set gauge by gauge; the few process counters and
    /// the histogram are kept per tenant here under the board's one lock. The format
    /// is small (HELP, TYPE, samples with escaped label values), checked in
    /// `MetricsTextfileTests` by Python's `prometheus_client` parser, and this keeps
    /// the package free of another dependency (and its swift-atomics). Called under the lock.
    private func metrics(at now: Date) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
            let text = labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",")
            out += "\(name)\(text.isEmpty ? "" : "{\(text)}") \(Self.number(value))\n"
        }
        let running = order.compactMap { id in tenants[id].map { (id, $0) } }

        family("competency_submissions", "gauge", "Submissions stored, by tenant and verdict.")
        for (id, state) in running {
            for verdict in ["ready", "incomplete", "triage", "ignored"] {
                sample(
                    "competency_submissions", [("tenant", id), ("verdict", verdict)],
                    Double(state.counts?.byVerdict[verdict] ?? 0))
            }
            for (verdict, count) in (state.counts?.byVerdict ?? [:]).sorted(by: { $0.key < $1.key })
            where !["ready", "incomplete", "triage", "ignored"].contains(verdict) {
                sample("competency_submissions", [("tenant", id), ("verdict", verdict)], Double(count))
            }
        }
        family("competency_open_submissions", "gauge", "Open submissions (owed an answer), by tenant and SLA state.")
        for (id, state) in running {
            for sla in ["on-track", "at-risk", "breached", "none"] {
                sample(
                    "competency_open_submissions", [("tenant", id), ("sla", sla)], Double(state.openBySLA[sla] ?? 0))
            }
        }
        family("competency_alerts_sent", "counter", "SLA alert messages handed to the transport.")
        for (id, state) in running {
            sample("competency_alerts_sent_total", [("tenant", id)], Double(Self.alerts(state.counts, "sent")))
        }
        family("competency_alerts_failed", "counter", "SLA alert messages the transport refused for good.")
        for (id, state) in running {
            sample("competency_alerts_failed_total", [("tenant", id)], Double(Self.alerts(state.counts, "failed")))
        }
        family("competency_outgoing_pending", "gauge", "Outgoing messages waiting to be handed over.")
        for (id, state) in running {
            sample("competency_outgoing_pending", [("tenant", id)], Double(state.counts?.outgoingPending ?? 0))
        }
        family(
            "competency_ingest_errors", "counter",
            "Files left in the inbox because the environment failed (disk, permissions, database), since the daemon started."
        )
        for (id, state) in running {
            sample("competency_ingest_errors_total", [("tenant", id)], Double(state.ingestErrors))
        }
        family("competency_quarantined", "counter", "Files quarantined since the daemon started.")
        for (id, state) in running {
            sample("competency_quarantined_total", [("tenant", id)], Double(state.quarantined))
        }
        family("competency_quarantine_files", "gauge", "Files in the tenant's quarantine folder now.")
        for (id, state) in running {
            sample("competency_quarantine_files", [("tenant", id)], Double(state.quarantineFiles))
        }
        family(
            "competency_ingest_duration_seconds", "histogram",
            "Time to read, check, archive and commit one inbox file, since the daemon started.")
        for (id, state) in running {
            for (index, bound) in Self.latencyBuckets.enumerated() {
                sample(
                    "competency_ingest_duration_seconds_bucket", [("tenant", id), ("le", Self.number(bound))],
                    Double(state.latencyCounts[index]))
            }
            sample(
                "competency_ingest_duration_seconds_bucket", [("tenant", id), ("le", "+Inf")],
                Double(state.latencyCount))
            sample("competency_ingest_duration_seconds_sum", [("tenant", id)], state.latencySum)
            sample("competency_ingest_duration_seconds_count", [("tenant", id)], Double(state.latencyCount))
        }
        family(
            "competency_last_sweep_timestamp_seconds", "gauge", "When the tenant's last SLA sweep finished (Unix time)."
        )
        for (id, state) in running {
            sample(
                "competency_last_sweep_timestamp_seconds", [("tenant", id)],
                state.lastSweep.map { $0.timeIntervalSince1970.rounded() } ?? 0)
        }
        family("competency_tenant_healthy", "gauge", "1 when the tenant works, 0 when it is unhealthy or disabled.")
        for (id, state) in running { sample("competency_tenant_healthy", [("tenant", id)], state.healthy ? 1 : 0) }
        for id in disabled.keys.sorted() { sample("competency_tenant_healthy", [("tenant", id)], 0) }
        family("competency_heartbeat_timestamp_seconds", "gauge", "When the daemon last wrote this file (Unix time).")
        sample("competency_heartbeat_timestamp_seconds", [], now.timeIntervalSince1970.rounded())
        return out
    }

    static func alerts(_ counts: StoreCounts?, _ state: String) -> Int {
        (counts?.outgoing ?? []).filter { $0.purpose.hasPrefix("alert-") && $0.state == state }.reduce(0) {
            $0 + $1.count
        }
    }

    /// Label values escape backslash, double quote and line feed (the format's three).
    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// `3`, `0.25`: integers without a fraction, others as Swift prints them.
    static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// Writes the daemon's heartbeat (the status file, and the metrics file) every
/// `heartbeatInterval`, and once more on the way out marked `stopped`, so
/// `competency status` tells a stopped daemon from a hung one.
public struct OperationsReporter: Service {
    let board: OperationsBoard

    public init(board: OperationsBoard) { self.board = board }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            board.publish()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: board.heartbeatInterval) }
        }
        board.publish(stopping: true)
    }
}
