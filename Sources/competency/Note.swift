import ArgumentParser
import DeskServices
import Foundation

extension Competency {
    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a note to a submission (author: the OS user).",
            discussion: "Give '-' as the text to read the note from stdin.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Argument(help: "The note, or '-' for stdin.") var text: String

        func run() throws {
            try reporting {
                let body: String
                if text == "-" {
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    guard let decoded = String(data: data, encoding: .utf8) else {
                        throw Failure("the note on stdin is not UTF-8 text")
                    }
                    body = decoded
                } else {
                    body = text
                }
                let (desk, now) = try options.desk(naming: id)
                let note = try desk.addNote(to: id, text: body, author: OperatingSystemUser.name(), now: now)
                print("Note added to \(id) by \(note.author).")
            }
        }
    }
}

/// The person at the keyboard, as the operating system knows them.
enum OperatingSystemUser {
    static func name() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid-\(geteuid())"
    }
}
