import DeskCore
import Foundation

extension DeskConfiguration {
    /// Where the configuration is read from: `--config`, else `$COMPETENCY_CONFIG`,
    /// else `./Config/competencyd.yaml` (PRODUCT.md §9).
    public static func defaultLocation(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let path = explicit ?? environment["COMPETENCY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path else { return cwd.appendingPathComponent("Config/competencyd.yaml") }
        return ConfigFile.lexicallyNormalized(
            URL(fileURLWithPath: (path as NSString).expandingTildeInPath, relativeTo: cwd).absoluteURL)
    }

    /// Reads the daemon file and every tenant file it points to.
    ///
    /// A mistake in the daemon file, or in every tenant file, stops loading with a
    /// `ConfigError` naming the file, line and key. A mistake in one tenant's file
    /// (or in a calendar or checklist it names) disables only that tenant: it is
    /// listed in `disabledTenants` with its error, and the other offices keep working
    /// (PRODUCT.md §2: one tenant's broken input never stops the others). Callers
    /// must say so loudly; a silently missing office misses deadlines.
    public static func load(from url: URL) throws(ConfigError) -> DeskConfiguration {
        let file = ConfigFile(url: url)
        let root = try file.root().mapping(allowing: [
            "tenants", "rescan_seconds", "sla_sweep_seconds", "log_level", "limits", "loose_file_quiet_seconds",
            "stuck_after_seconds", "state_folder", "control_group", "ingest", "metrics",
        ])
        var daemon = DaemonConfiguration(
            rescanInterval: .seconds(30), slaSweepInterval: .seconds(60), logLevel: "info",
            maxMessageBytes: 50 * 1024 * 1024, looseFileQuietPeriod: .seconds(5), stuckAfter: .seconds(300))
        if let node = root["rescan_seconds"] { daemon.rescanInterval = .seconds(try node.int(in: 1...86_400)) }
        if let node = root["loose_file_quiet_seconds"] {
            daemon.looseFileQuietPeriod = .seconds(try node.int(in: 0...3600))
        }
        if let node = root["stuck_after_seconds"] {
            daemon.stuckAfter = .seconds(try node.int(in: 1...86_400))
        }
        // The control socket: beside the archives unless configured (the shipped tree's
        // Archive/, the install layout's /var/lib/competency-desk/Archive).
        daemon.stateFolder = file.resolve("../Archive")
        if let node = root["state_folder"] { daemon.stateFolder = try node.path() }
        let socketBytes = daemon.controlSocket.path.utf8.count
        if socketBytes > DaemonConfiguration.maxSocketPathBytes {
            let message =
                "the control socket \(daemon.controlSocket.path) would be \(socketBytes) bytes long; a Unix socket path holds at most \(DaemonConfiguration.maxSocketPathBytes): choose a shorter state_folder"
            throw (root["state_folder"] ?? root.owner).error(message)
        }
        if let node = root["control_group"] { daemon.controlGroup = try node.group() }
        if let node = root["metrics"] {
            let metrics = try node.mapping(allowing: ["textfile"])
            if let textfile = metrics["textfile"] {
                let url = try textfile.path()
                guard url.lastPathComponent.hasSuffix(".prom") else {
                    throw textfile.error(
                        "\"\(url.lastPathComponent)\" does not end in .prom; node_exporter's textfile collector reads only *.prom files")
                }
                daemon.metricsTextfile = url
            }
        }
        if let node = root["sla_sweep_seconds"] { daemon.slaSweepInterval = .seconds(try node.int(in: 1...86_400)) }
        if let node = root["log_level"] {
            let level = try node.string()
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else {
                throw node.error("\"\(level)\" is not a log level (one of \(levels.joined(separator: ", ")))")
            }
            daemon.logLevel = level
        }
        if let node = root["ingest"] {
            let ingest = try node.mapping(allowing: ["batch_files", "batch_bytes", "readers"])
            if let files = ingest["batch_files"] { daemon.ingestBatchFiles = try files.int(in: 1...1000) }
            if let bytes = ingest["batch_bytes"] { daemon.ingestBatchBytes = try bytes.int(in: 65_536...(1 << 30)) }
            if let readers = ingest["readers"] { daemon.ingestReaders = try readers.int(in: 1...16) }
        }
        if let node = root["limits"] {
            let limits = try node.mapping(allowing: ["max_message_bytes"])
            if let max = limits["max_message_bytes"] { daemon.maxMessageBytes = try max.int(in: 1024...Int(Int32.max)) }
        }

        let tenantsNode = try root.require("tenants")
        let tenantsFolder = try tenantsNode.path()
        let tenantFiles: [URL]
        do {
            tenantFiles = try FileManager.default.contentsOfDirectory(
                at: tenantsFolder, includingPropertiesForKeys: nil
            )
            .filter { ["yaml", "yml"].contains($0.pathExtension) && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw tenantsNode.error("cannot list the tenants folder \(tenantsFolder.path): \(ConfigFile.reason(error))")
        }
        guard !tenantFiles.isEmpty else {
            throw tenantsNode.error("the folder \(tenantsFolder.path) holds no tenant file (*.yaml)")
        }

        var tenants: [TenantConfiguration] = []
        var disabled: [TenantConfigFailure] = []
        for tenantFile in tenantFiles {
            do {
                tenants.append(try loadTenant(from: tenantFile, besides: tenants))
            } catch {
                disabled.append(
                    TenantConfigFailure(
                        tenantID: tenantFile.deletingPathExtension().lastPathComponent, file: tenantFile, error: error))
            }
        }
        // With no office left there is nothing to run: the first mistake is the answer.
        if tenants.isEmpty, let first = disabled.first { throw first.error }
        return DeskConfiguration(file: file.url, daemon: daemon, tenants: tenants, disabledTenants: disabled)
    }

    /// One tenant file, refused when it shares an id, inbox or store with a tenant
    /// already loaded (the later file in name order is the one disabled).
    static func loadTenant(from tenantFile: URL, besides tenants: [TenantConfiguration]) throws(ConfigError)
        -> TenantConfiguration
    {
        let tenant = try TenantConfiguration.load(from: tenantFile)
        if let clash = tenants.first(where: {
            $0.id == tenant.id || $0.inbox == tenant.inbox || $0.store == tenant.store
        }) {
            let what =
                clash.id == tenant.id
                ? "tenant id \"\(tenant.id)\"" : clash.inbox == tenant.inbox ? "inbox" : "store"
            throw ConfigError(
                file: ConfigFile(url: tenantFile).displayPath,
                message:
                    "the \(what) is also used by \(ConfigFile(url: clash.sourceFile).displayPath); each tenant needs its own"
            )
        }
        return tenant
    }
}

extension TenantConfiguration {
    static let keys: Set<String> = Set([
        "id", "display_name", "time_zone", "language", "calendar", "sla", "inbox", "archive", "store", "registry",
        "checklists", "access_group", "reviewers", "review", "retention",
    ]).union(MailSettings.keys)

    /// Reads one tenant file (`Config/tenants/<id>.yaml`).
    public static func load(from url: URL) throws(ConfigError) -> TenantConfiguration {
        let file = ConfigFile(url: url)
        let root = try file.root().mapping(allowing: keys)

        let stem = url.deletingPathExtension().lastPathComponent
        let id = try root["id"]?.string() ?? stem
        let idNode = root["id"]
        guard id.range(of: #"^[a-z0-9]+(-[a-z0-9]+)*$"#, options: .regularExpression) != nil, id.count <= 40 else {
            throw idNode?.error(
                "\"\(id)\" is not a valid tenant id (lowercase letters, digits and single hyphens, e.g. retail-jp)")
                ?? ConfigError(
                    file: file.displayPath,
                    message: "the file name \"\(stem)\" is not a valid tenant id; add an id: key")
        }
        if let idNode, id != stem {
            throw idNode.error(
                "the id \"\(id)\" differs from the file name \"\(stem)\"; rename the file or the id so they agree")
        }

        let zoneNode = try root.require("time_zone")
        let zoneName = try zoneNode.string()
        guard let zone = TimeZone(identifier: zoneName) else {
            throw zoneNode.error(
                "\"\(zoneName)\" is not a time zone the system knows (an IANA name such as Asia/Tokyo)")
        }

        let languageNode = try root.require("language")
        let languageText = try languageNode.string()
        guard let language = Language(rawValue: languageText) else {
            throw languageNode.error("\"\(languageText)\" is not a supported language (ja or en)")
        }

        let calendar = try CalendarSettings.load(root.require("calendar"), timeZone: zone)

        var sla = SLAPolicy()
        if let slaNode = root["sla"] {
            let mapping = try slaNode.mapping(allowing: ["business_days", "at_risk_business_days"])
            if let days = mapping["business_days"] { sla.businessDays = try days.int(in: 1...60) }
            if let days = mapping["at_risk_business_days"] { sla.atRiskBusinessDays = try days.int(in: 0...60) }
            if sla.atRiskBusinessDays >= sla.businessDays, let node = mapping["at_risk_business_days"] {
                throw node.error("must be smaller than business_days (\(sla.businessDays))")
            }
        }

        let inbox = try root.require("inbox").path()
        let archive = try root.require("archive").path()
        let store = try root["store"]?.path() ?? archive.appendingPathComponent("competency.sqlite")
        let registry =
            try root["registry"]?.path()
            ?? ConfigFile.lexicallyNormalized(file.folder.appendingPathComponent("../registry/\(id).csv"))

        let accessGroup = try root["access_group"]?.group()

        var checklists: [String: Checklist] = [:]
        if let listNode = root["checklists"] {
            for entry in try listNode.sequence() {
                let checklist = try ChecklistFile.load(entry.path(), namedBy: entry)
                if checklists[checklist.id] != nil {
                    throw entry.error("a second checklist with the id \(checklist.id)")
                }
                checklists[checklist.id] = checklist
            }
        }

        // Outgoing mail: only with an office address to send from (PRODUCT.md §8).
        var mail: MailSettings?
        if root["office"] != nil {
            let outbox = inbox.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Outbox/\(id)")
            mail = try MailSettings.load(
                root, tenantID: id, language: language, defaultOutbox: outbox,
                defaultTemplates: file.resolve("../templates/\(language.rawValue)"))
        } else {
            for key in MailSettings.keys where key != "office" {
                if let node = root[key] { throw node.error("needs office: (the address the desk sends from)") }
            }
        }

        return TenantConfiguration(
            id: id, displayName: try root["display_name"]?.string() ?? id, language: language,
            calendar: calendar, sla: sla, inbox: inbox, archive: archive, store: store, registry: registry,
            accessGroup: accessGroup, checklists: checklists, mail: mail,
            reviewers: try root["reviewers"].map(Reviewer.loadPool) ?? [],
            review: try root["review"].map(ReviewSettings.load) ?? ReviewSettings(),
            retention: try root["retention"].map(RetentionSettings.load) ?? RetentionSettings(), sourceFile: file.url)
    }
}
