@testable import DeskConfig
import DeskTesting
import Foundation
import Testing

/// `stuck_after_seconds` in competencyd.yaml: default 300, range 1...86400, located errors.
@Suite struct StuckAfterConfigTests {
    func load(_ line: String?) throws -> DeskConfiguration {
        let desk = try TemporaryDesk(name: "stuck-config")
        defer { desk.remove() }
        var text = try String(contentsOf: desk.configFile, encoding: .utf8)
            .replacingOccurrences(of: "stuck_after_seconds: 300\n", with: "")
        if let line { text += line + "\n" }
        try text.write(to: desk.configFile, atomically: true, encoding: .utf8)
        return try DeskConfiguration.load(from: desk.configFile)
    }

    @Test func theShippedFileAndTheDefaultAreFiveMinutes() throws {
        #expect(try load(nil).daemon.stuckAfter == .seconds(300))
        let desk = try TemporaryDesk(name: "stuck-config")
        defer { desk.remove() }
        #expect(try DeskConfiguration.load(from: desk.configFile).daemon.stuckAfter == .seconds(300))
    }

    @Test func aValueInRangeIsTaken() throws {
        #expect(try load("stuck_after_seconds: 2").daemon.stuckAfter == .seconds(2))
    }

    @Test(arguments: ["stuck_after_seconds: 0", "stuck_after_seconds: 86401", "stuck_after_seconds: soon"])
    func anOutOfRangeValueNamesTheKey(_ line: String) throws {
        #expect {
            _ = try load(line)
        } throws: { error in
            "\(error)".contains("competencyd.yaml") && "\(error)".contains("stuck_after_seconds")
        }
    }
}
