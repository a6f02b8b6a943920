import DeskMail
import Foundation

/// `desk-bench [FOLDER] [--rounds N] [--list-files]`
///
/// Loads every message file under FOLDER into memory, reads each once with
/// `MessageReader.read` to warm up (iconv descriptors, Foundation's caches),
/// then reads them all ROUNDS more times against the clock. Prints one line of
/// `key=value` results that a person and `Benchmarks/run-parse` can both read; the
/// Python baseline prints the same keys.
///
/// FOLDER defaults to `../shared/corpus`, else `Benchmarks/sample`: both
/// relative to the working directory, so run it from the repository root.
/// `--list-files` prints the chosen files instead, one per line, for the
/// baseline to read the very same ones.
@main
enum DeskBench {
    static func main() {
        do {
            let options = try Options(arguments: CommandLine.arguments.dropFirst())
            let files = try MessageFiles(under: options.folder)
            guard !files.paths.isEmpty else { throw BenchError("no message files under \(options.folder)") }
            if options.listFiles {
                print(files.paths.joined(separator: "\n"))
                return
            }
            let messages = try files.load()
            print(measure(messages, rounds: options.rounds))
        } catch {
            FileHandle.standardError.write(Data("desk-bench: \(error)\n".utf8))
            exit(64)
        }
    }

    /// Reads `messages` once untimed, then `rounds` times timed.
    static func measure(_ messages: [[UInt8]], rounds: Int) -> String {
        let (_, errors) = readAll(messages)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<rounds { blackHole(readAll(messages)) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let bytes = messages.reduce(0) { $0 + $1.count }
        let messagesPerSecond = Double(messages.count * rounds) / seconds
        let megabytesPerSecond = Double(bytes * rounds) / seconds / 1e6
        return "implementation=swift-deskmail messages=\(messages.count) bytes=\(bytes) rounds=\(rounds) "
            + "seconds=\(String(format: "%.4f", seconds)) messages_per_s=\(String(format: "%.1f", messagesPerSecond)) "
            + "mb_per_s=\(String(format: "%.2f", megabytesPerSecond)) errors=\(errors)"
    }

    /// Reads every message and touches the fields the desk uses, as the
    /// Python loop does; the digest exists only so none of it is optimised away.
    static func readAll(_ messages: [[UInt8]]) -> (digest: Int, errors: Int) {
        var digest = 0
        var errors = 0
        for bytes in messages {
            do {
                let message = try MessageReader.read(bytes)
                digest &+= message.subject?.utf8.count ?? 0
                digest &+= message.from?.address.utf8.count ?? 0
                digest &+= message.messageID?.utf8.count ?? 0
                digest &+= Int(message.date?.timeIntervalSince1970 ?? 0)
                digest &+= Int(message.receivedAt?.timeIntervalSince1970 ?? 0)
                digest &+= message.automaticReply == nil ? 0 : 1
                digest &+= message.problems.count
            } catch {
                // Not a message at all: that verdict is part of the work measured.
                errors += 1
            }
        }
        return (digest, errors)
    }
}

/// Keeps a value alive past the optimizer, which could otherwise drop the
/// whole timed loop as having no effect.
@_optimize(none)
func blackHole<T>(_ value: T) {}

/// The command line, parsed by hand: a folder and two options need no dependency.
struct Options {
    var folder: String
    var rounds = 20
    var listFiles = false

    init(arguments: ArraySlice<String>) throws {
        var folder: String?
        var arguments = arguments
        while let argument = arguments.popFirst() {
            switch argument {
            case "--rounds":
                guard let value = arguments.popFirst(), let rounds = Int(value), rounds > 0 else {
                    throw BenchError("--rounds needs a positive whole number")
                }
                self.rounds = rounds
            case "--list-files":
                listFiles = true
            case _ where argument.hasPrefix("-"):
                throw BenchError("unknown option \(argument); usage: desk-bench [FOLDER] [--rounds N] [--list-files]")
            default:
                if let folder { throw BenchError("one FOLDER only, got \(folder) and \(argument)") }
                folder = argument
            }
        }
        let corpus = "../shared/corpus"
        self.folder = folder ?? (FileManager.default.fileExists(atPath: corpus) ? corpus : "Benchmarks/sample")
    }
}
