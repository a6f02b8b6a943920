import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12, item 1: real mail in. A private Postfix instance of the test's own
/// (`postfix -c DIR`: its own main.cf and master.cf, its queue and data folders in
/// the test's temporary folder, SMTP on 127.0.0.1 at a free port) accepts mail for
/// the office address and delivers it with its `virtual(8)` agent into the tenant's
/// Maildir `Inbox/retail-jp/`; a real SMTP client (Python's smtplib) sends a
/// partner's submission through it, and the running daemon stores it: it is in
/// `competency queue --json`, received when Postfix received it (its `Received:`
/// line is the topmost). The system's /etc/postfix is only read (the default
/// instance's settings), never written; the instance is stopped at the end.
///
/// Needs root (Postfix's master starts as root) and the Debian package postfix:
/// skipped without them on a user's clone, failed under CI (`scripts/install-deps`
/// installs the package).
@Suite(.serialized, .enabled(if: RequiredTool.postfix.shouldRun, "needs root and Postfix"))
struct PostfixDeliveryTests {
    /// A private Postfix instance under `folder`, delivering `address` into `inbox`.
    struct PrivatePostfix {
        let folder: URL
        let port: UInt16
        var configuration: URL { folder.appendingPathComponent("conf") }

        init(in folder: URL, delivering address: String, into inboxRoot: URL, mailbox: String, as owner: uid_t) throws {
            self.folder = folder
            port = try Self.freePort()
            let conf = folder.appendingPathComponent("conf")
            let queue = folder.appendingPathComponent("queue")
            let data = folder.appendingPathComponent("data")
            for url in [conf, queue, data] {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            }
            let postfixUser = try #require(getpwnam("postfix"), "the user postfix")
            #expect(chown(data.path, postfixUser.pointee.pw_uid, gid_t(bitPattern: -1)) == 0)
            let domain = String(address.split(separator: "@").last ?? "")
            let main = """
                compatibility_level = 3.6
                queue_directory = \(queue.path)
                data_directory = \(data.path)
                command_directory = /usr/sbin
                daemon_directory = /usr/lib/postfix/sbin
                mail_owner = postfix
                setgid_group = postdrop
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                myhostname = mx.desk.test
                mydomain = desk.test
                myorigin = desk.test
                mydestination =
                local_recipient_maps =
                alias_maps =
                alias_database =
                relay_domains =
                mynetworks = 127.0.0.0/8
                smtputf8_enable = no
                biff = no
                maillog_file = \(folder.appendingPathComponent("maillog").path)
                maillog_file_prefixes = \(folder.path)
                # The office address, delivered into the tenant's Maildir (the trailing
                # slash of the map's value means Maildir) as the delivery user.
                virtual_mailbox_domains = \(domain)
                virtual_mailbox_base = \(inboxRoot.path)
                virtual_mailbox_maps = texthash:\(conf.path)/vmailbox
                virtual_uid_maps = static:\(owner)
                virtual_gid_maps = static:\(owner)
                virtual_minimum_uid = 1000

                """
            try main.write(to: conf.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
            try "\(address) \(mailbox)/\n".write(
                to: conf.appendingPathComponent("vmailbox"), atomically: true, encoding: .utf8)
            // Only the services this path uses; nothing chrooted (the queue is the test's own).
            let master = """
                127.0.0.1:\(port) inet n - n - - smtpd
                pickup    unix  n - n 60 1 pickup
                cleanup   unix  n - n - 0 cleanup
                qmgr      unix  n - n 300 1 qmgr
                rewrite   unix  - - n - - trivial-rewrite
                bounce    unix  - - n - 0 bounce
                defer     unix  - - n - 0 bounce
                trace     unix  - - n - 0 bounce
                verify    unix  - - n - 1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n - - proxymap
                smtp      unix  - - n - - smtp
                relay     unix  - - n - - smtp
                showq     unix  n - n - - showq
                error     unix  - - n - - error
                retry     unix  - - n - - error
                discard   unix  - - n - - discard
                virtual   unix  - n n - - virtual
                anvil     unix  - - n - 1 anvil
                scache    unix  - - n - 1 scache
                postlog   unix-dgram n - n - 1 postlogd

                """
            try master.write(to: conf.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
        }

        func start() throws {
            let started = try PostfixDeliveryTests.run("/usr/sbin/postfix", ["-c", configuration.path, "start"])
            guard started.status == 0 else {
                throw SetupError("postfix -c \(configuration.path) start failed: \(started.output)\n\(log)")
            }
        }

        /// Stops the instance and waits for its master to be gone.
        func stop() {
            _ = try? PostfixDeliveryTests.run("/usr/sbin/postfix", ["-c", configuration.path, "stop"])
            let pidFile = folder.appendingPathComponent("queue/pid/master.pid")
            if let text = try? String(contentsOf: pidFile, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                _ = DaemonHarness.eventually(timeout: 10) { kill(pid, 0) != 0 }
                if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            }
        }

        var isRunning: Bool {
            let pidFile = folder.appendingPathComponent("queue/pid/master.pid")
            guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { return false }
            // A zombie until its parent reaps it: look at its state, not only its existence.
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return kill(pid, 0) == 0 && !stat.contains(") Z ")
        }

        var log: String { (try? String(contentsOf: folder.appendingPathComponent("maillog"), encoding: .utf8)) ?? "" }

        static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw SetupError("cannot bind a loopback port") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return UInt16(bigEndian: address.sin_port)
        }
    }

    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try InstallScriptTests.shell(program, arguments)
    }

    @Test func aMessageSentThroughPostfixReachesTheQueue() throws {
        try RequiredTool.postfix.require()
        try RequiredTool.python3.require()
        let desk = try TemporaryDesk(name: "postfix")
        defer { desk.remove() }
        // The delivery user: nobody, owner of the tenant's Maildir (as competency-mail would be).
        let delivery: uid_t = 65_534
        let inbox = desk.inbox("retail-jp")
        for folder in ["", "tmp", "new", "cur"] {
            let url = folder.isEmpty ? inbox : inbox.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            #expect(chown(url.path, delivery, delivery) == 0 && chmod(url.path, 0o770) == 0)
        }
        let mta = try PrivatePostfix(
            in: desk.root.appendingPathComponent("postfix"), delivering: "retail-jp@competency-desk.example",
            into: desk.root.appendingPathComponent("Inbox"), mailbox: "retail-jp", as: delivery)
        let harness = DaemonHarness(desk: desk)
        let daemon = try harness.startDaemon()
        defer {
            if daemon.process.isRunning {
                daemon.signal(SIGKILL)
                _ = daemon.finish()
            }
        }
        try mta.start()
        defer { mta.stop() }

        // A real SMTP client: the partner's message, to the office address.
        let message = try fixture("iso2022jp-submission.eml")
        let file = desk.root.appendingPathComponent("message.eml")
        try message.write(to: file)
        let script = """
            import smtplib, sys, time
            port, path = int(sys.argv[1]), sys.argv[2]
            for attempt in range(100):
                try:
                    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                sys.exit("nothing answers on 127.0.0.1:%d" % port)
            with client:
                refused = client.sendmail("hanako@test-kouri.example", ["retail-jp@competency-desk.example"], open(path, "rb").read())
            print("refused:", refused)
            """
        let sent = try ProgramRun.runTool("python3", ["-c", script, "\(mta.port)", file.path])
        #expect(sent.status == 0, "\(sent.stdout) \(sent.stderr)\n\(mta.log)")
        #expect(sent.stdout.contains("refused: {}"), "\(sent.stdout)")

        // Postfix delivered it into the Maildir, and the daemon stored it.
        // Within seconds, not at the next rescan (30 s): Postfix links the file into new/
        // (IN_CREATE), and the watcher takes that as a hint.
        var entry: [String: Any]?
        #expect(
            DaemonHarness.eventually(timeout: 15) {
                entry = (try? harness.queue())?.first {
                    $0["message_id"] as? String == "<20261130091502.e2e.0001@mail.test-kouri.example>"
                }
                return entry != nil
            }, "the message reached competency queue:\n\(mta.log)\n\(daemon.stderrSoFar)")
        #expect(mta.log.contains("status=sent (delivered to maildir)"), "\(mta.log)")
        #expect(
            entry?["subject"] as? String
                == "[株式会社テスト小売], Retail Competency Technology Partner Completed Self-Assessment")
        #expect(entry?["tenant"] as? String == "retail-jp")
        // Received when Postfix received it (its Received: line is the topmost), not
        // at the partner's earlier relay's time the fixture carries (2026-11-30).
        let received = try #require(entry?["received_at"] as? String)
        let formatter = ISO8601DateFormatter()
        let instant = try #require(formatter.date(from: received), "\(received)")
        #expect(abs(instant.timeIntervalSinceNow) < 600, "received_at \(received) is Postfix's receipt")
        let inboxFiles = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("new").path)
        #expect(
            DaemonHarness.eventually(timeout: 10) {
                ((try? FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("new").path)) ?? [
                    "x"
                ]).isEmpty
            }, "the daemon took the delivered file out of the inbox: \(inboxFiles)")

        mta.stop()
        #expect(!mta.isRunning, "the private Postfix is stopped")
        daemon.signal(SIGTERM)
        #expect(daemon.finish().status == 0)
    }
}
