import DeskConfig
import DeskCore
@testable import DeskServices
import DeskTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's protocol, in process, as whatever user runs the tests: one
/// JSON line each way, bounded, a silent client never holds up the others, and a
/// stopped server is "not running" (exit 69) to the client.
@Suite(.serialized) struct ControlProtocolTests {
    @Test func requestsAreAnsweredBadOnesRefusedAndASilentClientBlocksNobody() throws {
        let desk = try TemporaryDesk(name: "protocol")
        defer { desk.remove() }
        // One stored submission, written directly by this user (its owner).
        let eml = desk.root.appendingPathComponent("one.eml")
        try fixture("examples/saas-yaml.eml").write(to: eml)
        let ingest = try ProgramRun.run(
            "competency", ["--config", desk.configFile.path, "ingest", "--tenant", "retail-jp", eml.path],
            environment: ["COMPETENCY_NOW": "2026-11-30T10:00:00+09:00"])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let socket = desk.root.appendingPathComponent("c.sock")
        let listener = try Listener(path: socket.path, group: nil)
        let handler = RequestHandler(
            configuration: CurrentConfiguration(configuration), clock: SystemClock(), logger: .init(label: "test"))
        listener.start(handler)
        var stopped = false
        defer { if !stopped { listener.stop() } }

        // A client that connects and says nothing...
        let silent = try #require(try? ControlClient.connect(socket.path).get())
        // ...does not keep a real request waiting.
        let started = Date()
        let reply = try ControlClient.send(.note(submission: "retail-jp-1", text: "looks complete"), to: socket)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(reply.ok, "\(reply.message)")
        #expect(reply.author == DeskCaller.current().name)
        #expect(reply.message == "Note added to retail-jp-1 by \(DeskCaller.current().name).")

        // Refusals come back with the words and the exit status the CLI ends with.
        let empty = try ControlClient.send(.note(submission: "retail-jp-1", text: "  \n"), to: socket)
        #expect(!empty.ok && empty.exit == 64 && empty.message.contains("empty"))
        let unknown = try ControlClient.send(.note(submission: "retail-jp-99", text: "x"), to: socket)
        #expect(!unknown.ok && unknown.exit == 2, "\(unknown.message)")
        let otherTenant = try ControlClient.send(.note(submission: "retail-zz-1", text: "x"), to: socket)
        #expect(!otherTenant.ok && otherTenant.exit == 2, "\(otherTenant.message)")

        // Raw lines: not JSON, a future version, an unknown command, an oversized line.
        #expect(try raw("hello\n", to: socket).contains("not a JSON request"))
        #expect(try raw(#"{"version":2,"command":"note","id":"retail-jp-1","text":"x"}"# + "\n", to: socket)
            .contains("version 2 is not understood"))
        #expect(try raw(#"{"version":1,"command":"drop-tables"}"# + "\n", to: socket).contains("unknown request"))
        #expect(try raw(String(repeating: "x", count: (1 << 20) + 10), to: socket).contains("is over 1048576 bytes"))

        close(silent)
        listener.stop()
        stopped = true
        #expect(!FileManager.default.fileExists(atPath: socket.path), "stop removes the socket")
        #expect {
            _ = try ControlClient.send(.note(submission: "retail-jp-1", text: "late"), to: socket)
        } throws: { error in
            (error as? DeskError)?.exitCode == 69 && "\(error)".contains("the daemon is not running")
        }

        // Exactly the one good note was written.
        let show = try ProgramRun.run("competency", ["--config", desk.configFile.path, "show", "retail-jp-1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect((object?["notes"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["looks complete"])
    }

    @Test func onlyTheGroupsTheSystemListsCount() throws {
        let tenant = TenantConfiguration.fixture(accessGroup: 5000)
        let member = DeskCaller(uid: 1000, gid: 1000, name: "hanako", groups: [1000, 5000])
        let outsider = DeskCaller(uid: 1001, gid: 1001, name: "taro", groups: [1001])
        #expect(DeskRequests.mayChange(tenant, caller: member, daemonUser: 999))
        #expect(!DeskRequests.mayChange(tenant, caller: outsider, daemonUser: 999))
        #expect(DeskRequests.mayChange(tenant, caller: outsider, daemonUser: 1001), "the daemon's own user")
        #expect(DeskRequests.mayChange(tenant, caller: DeskCaller(uid: 0, gid: 0, name: "root", groups: [0]), daemonUser: 999))
        #expect(DeskRequests.mayChange(.fixture(accessGroup: nil), caller: outsider, daemonUser: 999), "no access_group")
        // getgrouplist as the system answers it: root is in group 0.
        #expect(DeskCaller.lookUp(uid: 0, gid: 0).groups.contains(0))
        #expect(DeskCaller.lookUp(uid: 0, gid: 0).name == "root")
        #expect(DeskCaller.lookUp(uid: 65_533, gid: 65_533) == DeskCaller(uid: 65_533, gid: 65_533, name: "uid-65533", groups: [65_533]))
    }

    /// Writes `text` on a fresh connection and returns the reply line.
    func raw(_ text: String, to socket: URL) throws -> String {
        let fd = try #require(try? ControlClient.connect(socket.path).get())
        defer { close(fd) }
        _ = writeAll(fd, Data(text.utf8))
        shutdown(fd, Int32(SHUT_WR))
        switch readLine(fd, limit: 1 << 20) {
        case .success(let line): return String(decoding: line, as: UTF8.self)
        case .failure(let error): return "failed: \(error)"
        }
    }
}

extension TenantConfiguration {
    /// The shipped retail-jp tenant with another `access_group`.
    static func fixture(accessGroup: gid_t?) -> TenantConfiguration {
        let t = try! DeskConfiguration.load(from: RepositoryPaths.root.appendingPathComponent("Config/competencyd.yaml"))
            .tenant("retail-jp")!
        return TenantConfiguration(
            id: t.id, displayName: t.displayName, language: t.language, calendar: t.calendar, sla: t.sla, inbox: t.inbox,
            archive: t.archive, store: t.store, registry: t.registry, accessGroup: accessGroup, checklists: t.checklists,
            sourceFile: t.sourceFile)
    }
}
