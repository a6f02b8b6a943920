import DeskConfig
import DeskCore
import DeskStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `competency status`: is the daemon alive, and how is each tenant.
///
/// Contract — reads only: the daemon's status file (`OperationsBoard`, in the
/// state folder) for its heartbeat and each tenant's health as the daemon sees
/// it; each tenant's store opened read-only (queue depth, outgoing mail waiting);
/// the tenant's quarantine folder (files there). A tenant this user may not read
/// is listed as such and does not change the answer. The daemon is alive when the
/// status file is not marked stopped, its heartbeat is at most three heartbeat
/// intervals old (by the real clock) and its process exists.
public struct DeskStatus: Sendable {
    /// The daemon as its status file shows it.
    public struct Daemon: Sendable {
        public var running: Bool
        public var pid: Int?
        public var startedAt: String?
        public var heartbeatAt: String?
        public var heartbeatAge: Int?
        /// Why it is not running (no status file, stopped, stale heartbeat, no process).
        public var reason: String?
    }

    /// One tenant.
    public struct Tenant: Sendable {
        public var id: String
        /// `healthy`, `unhealthy`, `disabled`, `starting`, or `unknown` (the daemon is not running).
        public var health: String
        public var reason: String?
        public var readable: Bool
        public var queueDepth: Int?
        public var quarantinedFiles: Int?
        public var outgoingWaiting: Int?
        public var lastSweep: String?
    }

    public var daemon: Daemon
    public var tenants: [Tenant]

    /// Healthy: the daemon runs and no tenant is unhealthy or disabled.
    public var healthy: Bool {
        daemon.running && !tenants.contains { $0.health == "unhealthy" || $0.health == "disabled" }
    }

    /// 0 healthy; 69 (EX_UNAVAILABLE) the daemon is not running; 1 a tenant is unhealthy or disabled.
    public var exitCode: Int32 {
        if !daemon.running { return 69 }
        return healthy ? 0 : 1
    }

    public var json: JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func optional(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        return .object([
            ("healthy", .bool(healthy)),
            (
                "daemon",
                .object([
                    ("running", .bool(daemon.running)), ("pid", optional(daemon.pid)),
                    ("started_at", optional(daemon.startedAt)), ("heartbeat_at", optional(daemon.heartbeatAt)),
                    ("heartbeat_age_seconds", optional(daemon.heartbeatAge)), ("reason", optional(daemon.reason)),
                ])
            ),
            (
                "tenants",
                .array(
                    tenants.map { tenant in
                        .object([
                            ("id", .string(tenant.id)), ("health", .string(tenant.health)),
                            ("reason", optional(tenant.reason)), ("readable", .bool(tenant.readable)),
                            ("queue_depth", optional(tenant.queueDepth)),
                            ("quarantined_files", optional(tenant.quarantinedFiles)),
                            ("outgoing_waiting", optional(tenant.outgoingWaiting)),
                            ("last_sweep", optional(tenant.lastSweep)),
                        ])
                    })
            ),
        ])
    }

    /// The report for humans.
    public var text: String {
        var out = ""
        if daemon.running {
            out +=
                "daemon: running (pid \(daemon.pid.map(String.init) ?? "?"), heartbeat \(daemon.heartbeatAge ?? 0) s ago, started \(daemon.startedAt ?? "?"))\n"
        } else {
            out += "daemon: NOT RUNNING (\(daemon.reason ?? "no heartbeat"))\n"
        }
        let rows =
            [["TENANT", "HEALTH", "QUEUE", "QUARANTINE", "OUTGOING", "LAST SWEEP"]]
            + tenants.map { tenant in
                [
                    tenant.id, tenant.readable ? tenant.health : "\(tenant.health) (not readable)",
                    tenant.queueDepth.map(String.init) ?? "-", tenant.quarantinedFiles.map(String.init) ?? "-",
                    tenant.outgoingWaiting.map(String.init) ?? "-", tenant.lastSweep ?? "-",
                ]
            }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            out +=
                row.enumerated().map { index, cell in
                    index == 5 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }.joined(separator: "  ") + "\n"
        }
        for tenant in tenants {
            if let reason = tenant.reason { out += "\(tenant.id): \(SafeText.escapingControls(reason))\n" }
        }
        return out
    }
}

extension Desk {
    /// The status now; `wallNow` is the real time (heartbeats are the process's, never COMPETENCY_NOW).
    public func status(wallNow: Date) -> DeskStatus {
        let file = configuration.daemon.stateFolder.appendingPathComponent(OperationsBoard.statusFileName)
        var daemon = DeskStatus.Daemon(running: false)
        var reported: [String: [String: Any]] = [:]
        if let data = try? Data(contentsOf: file),
            let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            daemon.pid = (document["pid"] as? NSNumber)?.intValue
            daemon.startedAt = document["started_at"] as? String
            daemon.heartbeatAt = document["heartbeat_at"] as? String
            let beat = (document["heartbeat_unix"] as? NSNumber)?.doubleValue ?? 0
            let interval = max((document["heartbeat_seconds"] as? NSNumber)?.doubleValue ?? 10, 1)
            let age = Int(max(0, wallNow.timeIntervalSince1970 - beat))
            daemon.heartbeatAge = age
            if document["stopped"] as? Bool == true {
                daemon.reason = "the daemon stopped at \(daemon.heartbeatAt ?? "?")"
            } else if Double(age) > 3 * interval {
                daemon.reason =
                    "the last heartbeat is \(age) s old (written every \(Int(interval)) s): the daemon is hung or was killed"
            } else if let pid = daemon.pid, kill(pid_t(pid), 0) != 0, errno == ESRCH {
                daemon.reason = "no process \(pid): the daemon was killed"
            } else {
                daemon.running = true
            }
            for case let tenant as [String: Any] in (document["tenants"] as? [Any]) ?? [] {
                if let id = tenant["id"] as? String { reported[id] = tenant }
            }
        } else {
            daemon.reason = "no status file \(file.path): the daemon has not run with this state_folder"
        }

        var tenants: [DeskStatus.Tenant] = []
        for tenant in configuration.tenants {
            var row = DeskStatus.Tenant(id: tenant.id, health: "unknown", readable: true)
            if daemon.running, let seen = reported[tenant.id] {
                row.health = seen["state"] as? String ?? "unknown"
                row.reason = seen["reason"] as? String
                row.lastSweep = seen["last_sweep"] as? String
            } else if daemon.running {
                row.health = "starting"
            } else if let seen = reported[tenant.id] {
                row.lastSweep = seen["last_sweep"] as? String
            }
            do {
                if let store = try store(for: tenant, access: .read) {
                    let counts = try store.operationsCounts()
                    row.queueDepth = counts.open
                    row.outgoingWaiting = counts.outgoingPending
                } else {
                    row.queueDepth = 0
                    row.outgoingWaiting = 0
                }
                row.quarantinedFiles = QuarantineFolder(archiveRoot: tenant.archive).count()
            } catch let error as DeskError {
                if case .tenantNotReadable = error {
                    row.readable = false
                } else {
                    row.health = "unhealthy"
                    row.reason = (row.reason.map { $0 + "; " } ?? "") + error.description
                }
            } catch {
                row.health = "unhealthy"
                row.reason = (row.reason.map { $0 + "; " } ?? "") + "\(error)"
            }
            tenants.append(row)
        }
        for failure in configuration.disabledTenants {
            tenants.append(
                DeskStatus.Tenant(
                    id: failure.tenantID, health: "disabled",
                    reason: "its configuration has a mistake: \(failure.error)",
                    readable: false))
        }
        return DeskStatus(daemon: daemon, tenants: tenants)
    }
}
