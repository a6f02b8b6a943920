import DeskCore
import Foundation

/// Everything the daemon and the CLI know about one program office.
public struct TenantConfiguration: Sendable {
    /// Short, path-safe name such as `retail-jp`; prefixes submission IDs.
    public let id: String
    public let displayName: String
    public let language: Language
    public let calendar: BusinessCalendar
    public let sla: SLAPolicy
    /// Delivery folder: a Maildir (`new/`) plus complete files dropped in the folder itself.
    public let inbox: URL
    /// Where original bytes are kept, under `YYYY/MM/`, and `quarantine/`.
    public let archive: URL
    /// The tenant's SQLite database file.
    public let store: URL
    /// The partner registry CSV (PRODUCT.md §4.4).
    public let registry: URL
    /// The operating-system group whose members may read this tenant's archive and
    /// store (PRODUCT.md §2: the OS enforces tenant isolation); nil leaves permissions alone.
    public let accessGroup: gid_t?
    /// The checklists this office reviews against, by program id (`retail-technology`).
    public let checklists: [String: Checklist]
    /// The office's address, alert recipients, transport and templates; nil when the
    /// tenant file has no `office:` (then the desk sends nothing for this tenant).
    public let mail: MailSettings?
    /// The reviewer pool (`reviewers:`); empty when none is configured.
    public let reviewers: [Reviewer]
    /// When reviews are booked (`review:`).
    public let review: ReviewSettings
    /// How long finished submissions keep their personal data (`retention:`).
    public let retention: RetentionSettings
    /// The file this tenant was read from, for messages.
    public let sourceFile: URL

    public init(
        id: String, displayName: String, language: Language, calendar: BusinessCalendar, sla: SLAPolicy,
        inbox: URL, archive: URL, store: URL, registry: URL, accessGroup: gid_t? = nil,
        checklists: [String: Checklist] = [:], mail: MailSettings? = nil, reviewers: [Reviewer] = [], review: ReviewSettings = ReviewSettings(),
        retention: RetentionSettings = RetentionSettings(), sourceFile: URL
    ) {
        self.retention = retention
        self.review = review
        self.mail = mail
        self.reviewers = reviewers
        self.id = id
        self.displayName = displayName
        self.language = language
        self.calendar = calendar
        self.sla = sla
        self.inbox = inbox
        self.archive = archive
        self.store = store
        self.registry = registry
        self.accessGroup = accessGroup
        self.checklists = checklists
        self.sourceFile = sourceFile
    }

    public var timeZone: TimeZone { calendar.timeZone }
}

/// The language of text generated for a tenant.
public typealias Language = TextLanguage

/// Settings of the daemon process itself.
public struct DaemonConfiguration: Sendable {
    /// How often every inbox is rescanned even without inotify events.
    public var rescanInterval: Duration
    /// How often the SLA sweep runs.
    public var slaSweepInterval: Duration
    public var logLevel: String
    /// Messages larger than this are quarantined unread (PRODUCT.md §3: 50 MiB).
    public var maxMessageBytes: Int
    /// A file dropped straight into an inbox folder (not through Maildir's `tmp/` →
    /// `new/` rename) is taken only once its size and modification time have not
    /// changed for this long: `cp` and `scp` write under the final name.
    public var looseFileQuietPeriod: Duration
    /// A tenant that has spent longer than this on one file is stuck (not merely
    /// unhealthy): the daemon stops pinging systemd's watchdog so it is restarted.
    public var stuckAfter: Duration = .seconds(300)
    /// Group commit: at most this many inbox files per store transaction…
    public var ingestBatchFiles = 32
    /// …and at most this many bytes (as scanned) held per batch.
    public var ingestBatchBytes = 16 << 20
    /// Threads reading and parsing ahead of the writer; nil: one per core, at most four.
    public var ingestReaders: Int?
    /// The daemon's own folder: its control socket (`competencyd.sock`) lives here.
    public var stateFolder: URL = URL(fileURLWithPath: "Archive")
    /// The group given the control socket (mode 0660); nil leaves it 0666, so any
    /// local user who can reach the state folder may ask (each tenant's
    /// `access_group` still decides who may change that tenant).
    public var controlGroup: gid_t?
    /// Where the daemon writes its metrics in the Prometheus text format, for
    /// node_exporter's textfile collector (`metrics: {textfile: PATH}`); nil: none.
    public var metricsTextfile: URL?

    /// Where reviewers' commands reach the daemon.
    public var controlSocket: URL { stateFolder.appendingPathComponent(Self.controlSocketName) }
    public static let controlSocketName = "competencyd.sock"
    /// `sun_path` holds 108 bytes, the last a NUL.
    public static let maxSocketPathBytes = 107
}

/// The whole configuration: the daemon's settings and every tenant.
public struct DeskConfiguration: Sendable {
    public let file: URL
    public let daemon: DaemonConfiguration
    /// The tenants whose configuration is valid: the ones that run.
    public let tenants: [TenantConfiguration]
    /// Tenant files with a mistake, each with its error: these offices do not run
    /// until the file is fixed, and every program says so.
    public let disabledTenants: [TenantConfigFailure]

    public init(
        file: URL, daemon: DaemonConfiguration, tenants: [TenantConfiguration],
        disabledTenants: [TenantConfigFailure] = []
    ) {
        self.file = file
        self.daemon = daemon
        self.tenants = tenants
        self.disabledTenants = disabledTenants
    }

    public func tenant(_ id: String) -> TenantConfiguration? { tenants.first { $0.id == id } }

    /// Why the tenant `id` is disabled, when its file has a mistake.
    public func disabledTenant(_ id: String) -> TenantConfigFailure? { disabledTenants.first { $0.tenantID == id } }

    /// The tenant a submission ID such as `retail-jp-42` belongs to, with its number.
    public func resolve(submissionID: String) -> (tenant: TenantConfiguration, number: Int)? {
        guard let dash = submissionID.lastIndex(of: "-"),
            let number = Int(submissionID[submissionID.index(after: dash)...]), number > 0,
            let tenant = tenant(String(submissionID[..<dash]))
        else { return nil }
        return (tenant, number)
    }
}

/// A tenant file that could not be loaded: the tenant (named by its file) is
/// disabled, and `error` says where and why.
public struct TenantConfigFailure: Sendable, CustomStringConvertible {
    /// The tenant the file would define: its name without `.yaml`, which a valid file's `id:` must match.
    public let tenantID: String
    public let file: URL
    public let error: ConfigError

    public init(tenantID: String, file: URL, error: ConfigError) {
        self.tenantID = tenantID
        self.file = file
        self.error = error
    }

    public var description: String { "tenant \(tenantID) is disabled: \(error)" }
}
