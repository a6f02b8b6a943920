/// Errors a reviewer or operator sees from the CLI or the daemon, in plain words.
public enum DeskError: Error, Sendable, CustomStringConvertible {
    case unknownSubmission(String, knownTenants: [String])
    case unknownTenant(String, known: [String])
    case tenantNotReadable(String, reason: String)
    /// The tenant's file has a mistake, so the tenant does not run; `reason` names file, line and key.
    case tenantDisabled(String, reason: String)
    /// The store exists and may be read, but does not open: damaged, not a database, another tenant's.
    case storeUnavailable(tenant: String, file: String, reason: String)
    /// A mistake in the configuration as a whole (the daemon file, or every tenant file).
    case configuration(String)
    case badArgument(String)
    /// The caller may not make this change (not in the tenant's `access_group`).
    case notAllowed(String)
    /// The daemon, which makes every change a reviewer asks for, does not answer.
    case unavailable(String)
    /// The daemon refused a request: its words and the exit status it chose.
    case remote(String, exitCode: Int32)
    case failed(String)
    /// A quarantine name refused, missing, or a file that cannot be worked as asked.
    case quarantine(QuarantineFolder.Problem)

    public var description: String {
        switch self {
        case .unknownSubmission(let id, let tenants):
            return "no submission \(id) (IDs look like \(tenants.first ?? "retail-jp")-42; see 'competency queue')"
        case .unknownTenant(let name, let known):
            return "no tenant \"\(name)\" (configured: \(known.joined(separator: ", ")))"
        case .tenantNotReadable(let tenant, let reason):
            return "you may not read tenant \(tenant): \(reason)"
        case .tenantDisabled(let tenant, let reason):
            return "tenant \(tenant) is disabled: its configuration has a mistake: \(reason)"
        case .storeUnavailable(let tenant, let file, let reason):
            return "cannot open the store \(file) of tenant \(tenant): \(reason)"
        case .configuration(let message):
            return "configuration error: \(message)"
        case .badArgument(let message), .notAllowed(let message), .unavailable(let message), .failed(let message),
            .remote(let message, _):
            return message
        case .quarantine(let problem):
            return problem.description
        }
    }

    /// sysexits-style codes so scripts can tell "not found" from "not allowed"; the
    /// daemon sends the same code back with a refused request.
    public var exitCode: Int32 {
        switch self {
        case .unknownSubmission, .unknownTenant: return 2
        case .tenantNotReadable, .notAllowed: return 77  // EX_NOPERM
        case .tenantDisabled, .configuration: return 78  // EX_CONFIG
        case .storeUnavailable: return 74  // EX_IOERR
        case .badArgument: return 64  // EX_USAGE
        case .unavailable: return 69  // EX_UNAVAILABLE
        case .remote(_, let code): return code == 0 ? 1 : code
        case .failed: return 1
        case .quarantine(let problem):
            switch problem {
            case .badName: return 64  // EX_USAGE
            case .missing: return 2  // not found, as an unknown ID
            case .notRegular, .tooManyRetries: return 65  // EX_DATAERR: the file, not the command
            case .io: return 74  // EX_IOERR
            }
        }
    }
}
