/// Errors a reviewer or operator sees from the CLI or the daemon, in plain words.
public enum DeskError: Error, Sendable, CustomStringConvertible {
    case unknownSubmission(String, knownTenants: [String])
    case unknownTenant(String, known: [String])
    case tenantNotReadable(String, reason: String)
    case badArgument(String)
    case failed(String)

    public var description: String {
        switch self {
        case .unknownSubmission(let id, let tenants):
            return "no submission \(id) (IDs look like \(tenants.first ?? "retail-jp")-42; see 'competency queue')"
        case .unknownTenant(let name, let known):
            return "no tenant \"\(name)\" (configured: \(known.joined(separator: ", ")))"
        case .tenantNotReadable(let tenant, let reason):
            return "you may not read tenant \(tenant): \(reason)"
        case .badArgument(let message), .failed(let message):
            return message
        }
    }
}
