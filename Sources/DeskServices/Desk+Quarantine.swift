import DeskConfig
import DeskCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Desk {
    /// A quarantined file and its tenant.
    public struct QuarantinedFile: Sendable {
        public var tenant: String
        public var entry: QuarantineFolder.Entry
    }

    /// The quarantine of `tenant`, or of every tenant this user may read (the
    /// others in `skipped`). Reading only: the folder is listed, nothing is opened.
    public func quarantine(tenant name: String?) throws(DeskError) -> (files: [QuarantinedFile], skipped: [DeskError]) {
        let tenants = try name.map { name throws(DeskError) in [try tenant(named: name)] } ?? configuration.tenants
        var files: [QuarantinedFile] = []
        var skipped: [DeskError] = []
        for tenant in tenants {
            do {
                let folder = QuarantineFolder(archiveRoot: tenant.archive)
                try Self.mayRead(folder.folder, tenant: tenant)
                files += try folder.entries().map { QuarantinedFile(tenant: tenant.id, entry: $0) }
            } catch let error as DeskError {
                if name != nil { throw error }
                skipped.append(error)
            } catch let problem as QuarantineFolder.Problem {
                if name != nil { throw .quarantine(problem) }
                skipped.append(.quarantine(problem))
            } catch {
                throw .failed("\(error)")
            }
        }
        return (files, skipped)
    }

    /// The tenant and entry of one quarantined file: in `tenant`, or found in the one
    /// readable tenant that has it. A name that is not a plain entry name is refused first.
    public func quarantined(_ name: String, tenant: String?) throws(DeskError) -> (
        TenantConfiguration, QuarantineFolder.Entry
    ) {
        do { try QuarantineFolder.validate(name) } catch { throw .quarantine(error) }
        let candidates =
            try tenant.map { name throws(DeskError) in [try self.tenant(named: name)] } ?? configuration.tenants
        var found: [(TenantConfiguration, QuarantineFolder.Entry)] = []
        for candidate in candidates {
            let folder = QuarantineFolder(archiveRoot: candidate.archive)
            if tenant != nil { try Self.mayRead(folder.folder, tenant: candidate) }
            if let entry = try? folder.entry(named: name, tenant: candidate.id) { found.append((candidate, entry)) }
        }
        guard let first = found.first else {
            throw .quarantine(.missing(name, tenant: tenant ?? configuration.tenants.map(\.id).joined(separator: ", ")))
        }
        guard found.count == 1 else {
            throw .badArgument(
                "\(name) is in the quarantine of \(found.map(\.0.id).joined(separator: " and ")); name one with --tenant"
            )
        }
        return first
    }

    /// `tenantNotReadable` when the system refuses this user the folder.
    static func mayRead(_ folder: URL, tenant: TenantConfiguration) throws(DeskError) {
        if access(folder.path, R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM) {
            throw .tenantNotReadable(tenant.id, reason: "permission denied on \(folder.path)")
        }
    }
}
