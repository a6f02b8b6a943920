@testable import DeskConfig
import DeskTesting
import Foundation
import Testing

/// `state_folder` and `control_group` in competencyd.yaml: where the control socket
/// lives, the 107-byte limit of a socket path checked at load, and the group.
@Suite struct ControlSocketConfigTests {
    func load(replacing old: String = "state_folder: ../Archive\n", with new: String) throws -> DeskConfiguration {
        let desk = try TemporaryDesk(name: "socket-config")
        defer { desk.remove() }
        let text = try String(contentsOf: desk.configFile, encoding: .utf8)
        #expect(text.contains(old), "the shipped file names the state folder")
        try text.replacingOccurrences(of: old, with: new).write(to: desk.configFile, atomically: true, encoding: .utf8)
        return try DeskConfiguration.load(from: desk.configFile)
    }

    @Test func theShippedSocketIsInTheArchiveFolderBesideConfig() throws {
        let desk = try TemporaryDesk(name: "socket-config")
        defer { desk.remove() }
        let daemon = try DeskConfiguration.load(from: desk.configFile).daemon
        #expect(daemon.controlSocket.path == desk.root.appendingPathComponent("Archive/competencyd.sock").path)
        #expect(daemon.controlGroup == nil)
        // Without the key, the same place.
        let unset = try load(with: "")
        #expect(
            unset.daemon.controlSocket.path
                == unset.file.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Archive/competencyd.sock").path)
    }

    @Test func anAbsoluteStateFolderIsTaken() throws {
        #expect(try load(with: "state_folder: /run/competency-desk\n").daemon.controlSocket.path
            == "/run/competency-desk/competencyd.sock")
    }

    @Test func aSocketPathOverTheLimitIsRefusedWithTheKey() throws {
        let long = "/" + String(repeating: "d", count: 100)  // + "/competencyd.sock" = 118 bytes
        #expect {
            _ = try load(with: "state_folder: \(long)\n")
        } throws: { error in
            let text = "\(error)"
            return text.contains("competencyd.yaml") && text.contains("state_folder") && text.contains("107")
        }
        // Exactly at the limit is fine: 107 - "/competencyd.sock".count = 90.
        let fits = "/" + String(repeating: "d", count: 89)
        #expect(try load(with: "state_folder: \(fits)\n").daemon.controlSocket.path.utf8.count == 107)
    }

    @Test func controlGroupTakesANameOrANumberAndRefusesAnUnknownGroup() throws {
        #expect(try load(with: "state_folder: ../Archive\ncontrol_group: \"4242\"\n").daemon.controlGroup == 4242)
        #expect(try load(with: "state_folder: ../Archive\ncontrol_group: root\n").daemon.controlGroup == 0)
        #expect {
            _ = try load(with: "state_folder: ../Archive\ncontrol_group: no-such-group-here\n")
        } throws: { error in
            "\(error)".contains("control_group") && "\(error)".contains("no group")
        }
    }
}
