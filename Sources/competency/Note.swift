import ArgumentParser
import DeskConfig
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
                let request = DeskRequest.note(submission: id, text: body)
                print(try desk.submit(request, now: now))
            }
        }
    }
}

extension Desk {
    /// Carries out a change: directly when this user writes the tenant's store (root,
    /// the daemon's user), else through the daemon (PRODUCT.md §9). Returns the line
    /// to print; a refusal throws with the daemon's words and exit status.
    func submit(_ request: DeskRequest, now: Date) throws(DeskError) -> String {
        // Unknown or disabled tenants get the reader's words before anything is sent.
        let tenant: TenantConfiguration
        if let name = request.tenantID {
            tenant = try self.tenant(named: name)
        } else {
            guard let (resolved, _) = configuration.resolve(submissionID: request.submissionID) else {
                _ = try submission(request.submissionID, now: now)
                throw .unknownSubmission(request.submissionID, knownTenants: configuration.tenants.map(\.id))
            }
            tenant = resolved
        }
        if case .note(_, let text) = request, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw .badArgument("the note is empty; write some text, or '-' to read it from stdin")
        }
        if writesDirectly(tenant) {
            return try DeskRequests.perform(request, by: .current(), on: self, now: now).message
        }
        let reply = try ControlClient.send(request, to: configuration.daemon.controlSocket)
        guard reply.ok else { throw .remote(reply.message, exitCode: reply.exit) }
        return reply.message
    }
}

/// The person at the keyboard, as the operating system knows them.
enum OperatingSystemUser {
    static func name() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid-\(geteuid())"
    }
}
