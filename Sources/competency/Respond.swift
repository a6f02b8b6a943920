import ArgumentParser
import DeskCore
import DeskServices
import Foundation

extension Competency {
    struct Respond: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the drafted first response: the information request, or the request for the document.",
            discussion: """
                An incomplete submission gets the information request (every failing item and what to send); \
                one without a readable self-assessment gets the request for it, with the template attached. \
                --dry-run shows the draft and sends nothing; --edit opens $EDITOR on the text first. \
                Sending records the first response (the SLA becomes met, on time or late) and is carried \
                out by the daemon for reviewers. A second response needs --again.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "A submission ID such as retail-jp-42.") var id: String
        @Flag(name: .long, help: "Show the draft (recipients and why, subject, text); send nothing.") var dryRun = false
        @Flag(name: .long, help: "Open $EDITOR (else $VISUAL, else vi) on the text before sending.") var edit = false
        @Flag(name: .long, help: "Send although the submission was answered before.") var again = false

        func run() throws {
            try reporting {
                let (desk, now) = try options.desk(naming: id)
                if dryRun || edit {
                    let prepared = try desk.responseDraft(id, now: now, reviewer: OperatingSystemUser.name())
                    if dryRun {
                        print(Self.show(prepared), terminator: "")
                        return
                    }
                    let body = try Self.edited(prepared.draft.body)
                    print(try desk.submit(.respond(submission: id, again: again, body: body), now: now))
                    return
                }
                print(try desk.submit(.respond(submission: id, again: again, body: nil), now: now))
            }
        }

        static func show(_ prepared: Desk.ResponseDraft) -> String {
            let draft = prepared.draft
            var out = "From: \(prepared.from)\n"
            out += "To: \(draft.to.map(\.description).joined(separator: ", "))\n"
            if !draft.cc.isEmpty { out += "Cc: \(draft.cc.map(\.description).joined(separator: ", "))\n" }
            out += "Subject: \(draft.subject)\n"
            if let inReplyTo = draft.inReplyTo { out += "In-Reply-To: \(inReplyTo)\n" }
            for attachment in draft.attachments { out += "Attachment: \(attachment.filename) (\(attachment.data.count) bytes)\n" }
            for reason in draft.recipientReasons { out += "# \(reason)\n" }
            out += "\n" + draft.body
            // What came from a partner is shown, never obeyed by the terminal.
            return out.components(separatedBy: "\n").map { SafeText.escapingControls($0) }.joined(separator: "\n")
        }

        /// The text after the reviewer's editor has run on it.
        static func edited(_ text: String) throws(DeskError) -> String {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("competency-respond-\(getpid()).txt")
            do { try Data(text.utf8).write(to: file, options: .atomic) } catch {
                throw .failed("cannot write the draft to \(file.path): \(error.localizedDescription)")
            }
            defer { try? FileManager.default.removeItem(at: file) }
            let environment = ProcessInfo.processInfo.environment
            let editor = environment["EDITOR"] ?? environment["VISUAL"] ?? "vi"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(editor) \"$1\"", "sh", file.path]
            do {
                try process.run()
                process.waitUntilExit()
            } catch {
                throw .failed("cannot start the editor \(editor): \(error.localizedDescription)")
            }
            guard process.terminationStatus == 0 else {
                throw .failed("the editor \(editor) exited with status \(process.terminationStatus); nothing was sent")
            }
            guard let data = try? Data(contentsOf: file) else { throw .failed("cannot read the edited draft back") }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
