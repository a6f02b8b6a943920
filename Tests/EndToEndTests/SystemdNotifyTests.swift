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

        #expect(listener.receive(timeout: 30) == "READY=1")
        // By the time it says READY, the start-up scan has emptied the inbox.
        #expect(TemporaryDesk.files(under: desk.inbox("retail-jp").appendingPathComponent("new")).isEmpty)
        #expect(listener.receive(timeout: 5) == "WATCHDOG=1")
        #expect(listener.receive(timeout: 5) == "WATCHDOG=1", "pinged again within half the interval")
        daemon.signal(SIGTERM)
        var last: String?
        while let message = listener.receive(timeout: 5) { last = message }
        #expect(last == "STOPPING=1")
        #expect(daemon.finish().status == 0)
    }
}
