import Foundation

/// A real SMTP server on 127.0.0.1 (Python's aiosmtpd) as a child process; each
/// message it accepts is written to `folder` as `<n>.eml` (the bytes) and
/// `<n>.json` (the envelope), the JSON last.
public final class SMTPTestServer: @unchecked Sendable {
    public struct Envelope: Decodable, Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
    }

    public let folder: URL
    public let port: Int
    private let child: TestProcess

    /// Starts the server on `port` (0: a free port) and waits until it accepts connections.
    public init(folder: URL, port: Int = 0) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("server.py")
        let ready = folder.appendingPathComponent("ready-\(UUID().uuidString.prefix(8))")
        try Data(Self.script.utf8).write(to: script)
        child = try TestProcess(["python3", script.path, folder.path, String(port), ready.path])
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: ready.path) {
            guard child.process.isRunning, Date() < deadline else {
                child.stop()
                throw TestFailure("the SMTP test server did not start: \(child.errorText)")
            }
            usleep(20_000)
        }
        self.port = Int(try String(contentsOf: ready, encoding: .utf8)) ?? 0
    }

    deinit { child.stop() }

    /// Stops the server (SIGTERM) and waits until it has exited.
    public func stop() { child.stop() }

    /// What the server has received: the envelope and the bytes of each message, oldest first.
    public func received() throws -> [(envelope: Envelope, message: Data)] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        return try names.sorted { $0.localizedStandardCompare($1) == .orderedAscending }.map { name in
            let base = folder.appendingPathComponent(String(name.dropLast(".json".count)))
            let envelope = try decoder.decode(
                Envelope.self, from: Data(contentsOf: base.appendingPathExtension("json")))
            return (envelope, try Data(contentsOf: base.appendingPathExtension("eml")))
        }
    }

    static let script = #"""
        import os, signal, socket, sys, time
        from aiosmtpd.controller import Controller

        folder, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        if port == 0:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()

        def write(path, data):
            with open(path + ".part", "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(path + ".part", path)

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                base = os.path.join(folder, "%d" % time.time_ns())
                write(base + ".eml", envelope.original_content or envelope.content)
                import json
                record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
                write(base + ".json", json.dumps(record).encode())
                return "250 Message accepted for delivery"

        # A child of Foundation's Process inherits the signal mask of the thread
        # that started it (SIGTERM blocked, under swift-testing): unblock.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        write(ready, str(port).encode())
        started = time.monotonic()
        # Never outlive a test that forgot to stop it by long.
        while not stopping and time.monotonic() - started < 600:
            time.sleep(0.05)
        controller.stop()
        """#
}
