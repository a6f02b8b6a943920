import ArgumentParser
import DeskConfig
import DeskCore
import DeskDocuments
import DeskServices
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Competency {
    struct Template: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a blank self-assessment for partners, in the tenant's language.",
            discussion: """
                YAML, JSON and CSV go to stdout unless --output is given. An XLSX workbook is \
                never written to a terminal: give --output FILE or redirect stdout.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(name: .long, help: "The tenant whose language and checklist the template uses.") var tenant: String
        @Option(name: .long, help: "yaml, json, csv or xlsx.") var format: String
        @Option(name: .long, help: "Write to this file (atomically) instead of stdout.") var output: String?
        @Flag(name: .long, help: "Replace the --output file if it exists.") var force = false
        @Option(name: .long, help: "The program (checklist id) when the tenant has several.") var program: String?

        func run() throws {
            try reporting {
                let names = DocumentFormat.allCases.map(\.rawValue)
                guard let format = DocumentFormat(rawValue: self.format.lowercased()) else {
                    throw DeskError.badArgument(
                        "unknown format \"\(self.format)\"; use one of \(names.joined(separator: ", "))")
                }
                if format == .xlsx, output == nil, isatty(STDOUT_FILENO) == 1 {
                    throw DeskError.badArgument(
                        "not writing an XLSX workbook to the terminal; give --output FILE or redirect stdout (> template.xlsx)"
                    )
                }
                let (desk, _) = try options.desk(naming: tenant)
                let config = try desk.tenant(named: tenant)
                let checklist = try Self.checklist(of: config, program: program)
                let bytes: [UInt8]
                do {
                    bytes = try SelfAssessmentTemplate.render(
                        checklist: checklist, language: config.language, format: format)
                } catch {
                    throw Failure("\(error)")
                }
                if let output {
                    try TemplateOutput.write(bytes, to: URL(fileURLWithPath: output), replacing: force)
                } else {
                    FileHandle.standardOutput.write(Data(bytes))
                }
            }
        }

        /// The checklist `--program` names, else the tenant's only one.
        static func checklist(of tenant: TenantConfiguration, program: String?) throws(DeskError) -> Checklist {
            let known = tenant.checklists.keys.sorted()
            if let program {
                guard let checklist = tenant.checklists[program] else {
                    throw .badArgument(
                        "tenant \(tenant.id) has no program \"\(program)\" (its programs: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
                    )
                }
                return checklist
            }
            guard let only = known.first else {
                throw .failed(
                    "tenant \(tenant.id) has no checklist configured (checklists: in \(tenant.sourceFile.path))")
            }
            guard known.count == 1, let checklist = tenant.checklists[only] else {
                throw .badArgument(
                    "tenant \(tenant.id) has several programs (\(known.joined(separator: ", "))); choose one with --program"
                )
            }
            return checklist
        }
    }
}

/// Writes the template file: to a temporary name in the same folder, fsynced, then
/// moved into place, so the file is either absent or complete. Without `replacing`,
/// the move is a hard link, which fails when the name exists: no check-then-write race.
enum TemplateOutput {
    static func write(_ bytes: [UInt8], to url: URL, replacing: Bool) throws(Failure) {
        let path = url.path
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & 0o170000) == 0o040000 { throw Failure("\(path) is a folder; give a file name") }
            if !replacing { throw Failure("\(path) already exists; use --force to replace it") }
        }
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/.competency-template-\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot write to \(folder)", errno) }
        var code: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    code = errno
                    return
                }
                offset += written
            }
        }
        if code == 0, fsync(fd) != 0 { code = errno }
        close(fd)
        defer { unlink(temporary) }
        if code != 0 { throw failure("cannot write \(path)", code) }
        if replacing {
            guard rename(temporary, path) == 0 else { throw failure("cannot write \(path)", errno) }
        } else {
            guard link(temporary, path) == 0 else {
                let code = errno
                if code == EEXIST { throw Failure("\(path) already exists; use --force to replace it") }
                throw failure("cannot write \(path)", code)
            }
        }
        // Make the new name durable.
        let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }

    private static func failure(_ what: String, _ code: Int32) -> Failure {
        Failure("\(what): \(String(cString: strerror(code)))")
    }
}
