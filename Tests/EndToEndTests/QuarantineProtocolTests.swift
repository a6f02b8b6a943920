import DeskConfig
import DeskCore
import DeskTesting
import Foundation
import Testing

@testable import DeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// The quarantine requests on the control socket's wire, in process: the envelope
/// round-trips, a request missing its tenant or file is refused with what it
/// needs, and refusals carry the CLI's exit status.
@Suite(.serialized) struct QuarantineProtocolTests {
    @Test func theQuarantineRequestsTravelAndBadOnesAreRefusedWithTheirExitStatus() throws {
        for request in [
            DeskRequest.quarantineRetry(tenant: "retail-jp", file: "1796000000-abcdef12-x", force: true),
            .quarantinePurge(tenant: "retail-jp", file: "1796000000-abcdef12-x"),
            .quarantinePurge(tenant: "retail-jp", file: nil),
        ] {
            let line = try JSONEncoder().encode(RequestEnvelope(request))
            #expect(try JSONDecoder().decode(RequestEnvelope.self, from: line).request() == request)
        }

        let desk = try TemporaryDesk(name: "quarantine-protocol")
        defer { desk.remove() }
        let quarantine = desk.archive("retail-jp").appendingPathComponent("quarantine")
        try FileManager.default.createDirectory(at: quarantine, withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: quarantine.appendingPathComponent("1796000000-abcdef12-x"))
        let configuration = try DeskConfiguration.load(from: desk.configFile)
        let socket = desk.root.appendingPathComponent("q.sock")
        let listener = try Listener(path: socket.path, group: nil)
        listener.start(
            RequestHandler(
                configuration: CurrentConfiguration(configuration), clock: SystemClock(), logger: .init(label: "test")))
        defer { listener.stop() }

        let missing = try raw(#"{"version":1,"command":"quarantine-retry","tenant":"retail-jp"}"# + "\n", to: socket)
        #expect(missing.contains(#"needs \"tenant\" and \"file\""#), "\(missing)")
        let badName = try ControlClient.send(
            .quarantineRetry(tenant: "retail-jp", file: "../x", force: false), to: socket)
        #expect(!badName.ok && badName.exit == 64, "\(badName.message)")
        let unknownTenant = try ControlClient.send(.quarantinePurge(tenant: "retail-zz", file: nil), to: socket)
        #expect(!unknownTenant.ok && unknownTenant.exit == 2, "\(unknownTenant.message)")
        let gone = try ControlClient.send(
            .quarantinePurge(tenant: "retail-jp", file: "1796000000-abcdef12-nothing"), to: socket)
        #expect(!gone.ok && gone.exit == 2 && gone.message.contains("no quarantined file"), "\(gone.message)")
        let purged = try ControlClient.send(.quarantinePurge(tenant: "retail-jp", file: nil), to: socket)
        #expect(purged.ok, "\(purged.message)")
        #expect(purged.message.contains("1796000000-abcdef12-x"), "\(purged.message)")
        #expect(purged.author == DeskCaller.current().name)
        #expect(TemporaryDesk.files(under: quarantine).isEmpty)
    }

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
