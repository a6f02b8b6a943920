import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon speaks systemd's notify protocol on `$NOTIFY_SOCKET`. The listener
/// here stands in for systemd (no systemd runs in a test): a real AF_UNIX datagram
/// socket, as systemd itself provides.
@Suite(.serialized) struct SystemdNotifyTests {
    /// A bound datagram socket; `receive` returns one message or nil after `timeout`.
    final class NotifyListener {
        let fd: Int32
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else { throw HarnessError("cannot bind \(path)") }
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// The next message other than a `STATUS=` line (the tenants' status, sent after each sweep).
        func receiveIgnoringStatus(timeout seconds: Int) -> String? {
            let deadline = Date().addingTimeInterval(TimeInterval(seconds))
            while Date() < deadline {
                guard let message = receive(timeout: max(1, Int(deadline.timeIntervalSinceNow.rounded(.up)))) else { return nil }
                if !message.hasPrefix("STATUS=") { return message }
            }
            return nil
        }

        func receive(timeout seconds: Int) -> String? {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
        }
    }

    @Test func readyComesAfterTheStartUpScanThenWatchdogPingsAndStopping() throws {
        let desk = try TemporaryDesk(name: "notify")
        defer { desk.remove() }
        let listener = try NotifyListener()
        let harness = DaemonHarness(
            desk: desk,
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00", "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
        // Mail that arrived while the daemon was down.
        for index in 1...5 {
            let bytes = try fixture("iso2022jp-submission.eml")
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "e2e.0001", with: "notify.\(index)")
            try harness.deliver(Data(text.utf8), to: "retail-jp", name: "1795935823.M\(index)P1.mx1")
        }
        let daemon = try ChildProcess.start("competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        #expect(listener.receive(timeout: 30) == "READY=1", "nothing, not even STATUS=, before READY")
        // By the time it says READY, the start-up scan has emptied the inbox.
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")).isEmpty)
        #expect(listener.receiveIgnoringStatus(timeout: 5) == "WATCHDOG=1")
        #expect(listener.receiveIgnoringStatus(timeout: 5) == "WATCHDOG=1", "pinged again within half the interval")
        daemon.signal(SIGTERM)
        var last: String?
        while let message = listener.receive(timeout: 5) { last = message }
        #expect(last == "STOPPING=1")
        #expect(daemon.finish().status == 0)
    }

    /// Issue 12, item 2: after each sweep a `STATUS=` line names each tenant's queue
    /// depth and last sweep; SIGHUP is bracketed by `RELOADING=1` with
    /// `MONOTONIC_USEC` (the reload's start on CLOCK_MONOTONIC, as sd_notify(3)
    /// requires with RELOADING) and `READY=1` once the reload is done.
    @Test func statusLinesNameQueueDepthAndSweepAndAReloadSaysReloadingThenReady() throws {
        let desk = try TemporaryDesk(name: "notify-status")
        defer { desk.remove() }
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
            .replacingOccurrences(of: "sla_sweep_seconds: 60", with: "sla_sweep_seconds: 1")
        try text.write(to: desk.configFile, atomically: true, encoding: .utf8)
        let listener = try NotifyListener()
        let harness = DaemonHarness(
            desk: desk,
            environment: ["COMPETENCY_NOW": "2026-12-01T10:00:00+09:00", "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "4000000"])
        for index in 1...3 {
            let bytes = try fixture("iso2022jp-submission.eml")
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "e2e.0001", with: "status.\(index)")
            try harness.deliver(Data(text.utf8), to: "retail-jp", name: "1795935823.M\(index)P1.mx1")
        }
        let daemon = try ChildProcess.start("competencyd", ["--config", desk.configFile.path], environment: harness.environment)
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }

        /// The messages until one satisfies `condition` (nil when none does within `seconds`).
        func waitFor(_ seconds: Int, _ condition: (String) -> Bool) -> (found: String?, seen: [String]) {
            var seen: [String] = []
            let deadline = Date().addingTimeInterval(TimeInterval(seconds))
            while Date() < deadline, let message = listener.receive(timeout: 1) ?? (Date() < deadline ? "" : nil) {
                if message.isEmpty { continue }
                seen.append(message)
                if condition(message) { return (message, seen) }
            }
            return (nil, seen)
        }
        let status = waitFor(30) { $0.hasPrefix("STATUS=") && $0.contains("retail-jp: 3 open") }
        let line = try #require(status.found, "\(status.seen)")
        #expect(line.range(of: #"retail-jp: 3 open, swept \d{2}:\d{2}:\d{2}Z"#, options: .regularExpression) != nil, "\(line)")
        #expect(line.contains("retail-us: 0 open, swept "), "\(line)")

        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let sent = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
        daemon.signal(SIGHUP)
        let reloading = waitFor(20) { $0.hasPrefix("RELOADING=1") }
        let message = try #require(reloading.found, "\(reloading.seen)")
        let lines = message.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0] == "RELOADING=1", "\(message)")
        let micros = try #require(lines.last.flatMap { Int64($0.replacingOccurrences(of: "MONOTONIC_USEC=", with: "")) }, "\(message)")
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true, "\(message)")
        #expect(micros >= sent && micros - sent < 10_000_000, "the daemon's CLOCK_MONOTONIC at the reload: \(micros) vs \(sent)")
        let ready = waitFor(20) { $0 == "READY=1" }
        #expect(ready.found != nil, "READY=1 after the reload: \(ready.seen)")
        #expect(DaemonHarness.eventually(timeout: 10) { daemon.stderrSoFar.contains("configuration reloaded") })

        // A reload refused (a mistake in competencyd.yaml) still ends with READY=1.
        try (text + "\nnot_a_key: 1\n").write(to: desk.configFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let refused = waitFor(20) { $0.hasPrefix("RELOADING=1") }
        #expect(refused.found != nil, "\(refused.seen)")
        let readyAgain = waitFor(20) { $0 == "READY=1" }
        #expect(readyAgain.found != nil, "READY=1 after a refused reload: \(readyAgain.seen)")
        #expect(daemon.stderrSoFar.contains("reload refused"))
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }
}
