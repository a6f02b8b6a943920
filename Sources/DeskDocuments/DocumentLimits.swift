/// How much a document may make the reader do. A document over a limit is refused
/// with a problem that says which limit, before the expensive work is done.
///
/// The defaults are far above any real self-assessment (about 400 `path,value`
/// rows, a few hundred YAML nodes, a workbook of ten parts and 100 KiB) and far
/// below what would hurt the daemon.
public struct DocumentLimits: Sendable, Equatable {
    /// The largest document, and the most an XLSX may expand to in total (declared or actual).
    public var maxUncompressedBytes: Int
    /// The most entries an XLSX (a ZIP) may have; counted before anything is inflated.
    public var maxZipEntries: Int
    /// The most rows of a CSV table or of one worksheet (the header row not counted).
    public var maxRows: Int
    /// The most values (mappings, lists and scalars) a YAML or JSON document may hold,
    /// counting every expansion of a YAML alias: this is what stops an alias bomb.
    public var maxNodes: Int
    /// The deepest nesting of YAML or JSON collections. The canonical form needs six.
    public var maxDepth: Int
    /// The most shared strings an XLSX may declare.
    public var maxSharedStrings: Int
    /// The most problems one document reports; past it one line says how many more
    /// there were. A document of 10,000 bad rows is one mistake made 10,000 times,
    /// and each problem becomes a line in the submission's history.
    public var maxProblems: Int

    /// 50 problems: a partner fixes the first ones and sends the document again.
    public static let defaultMaxProblems = 50

    public init(
        maxUncompressedBytes: Int = 50 * 1024 * 1024,
        maxZipEntries: Int = 1_000,
        maxRows: Int = 10_000,
        maxNodes: Int = 100_000,
        maxDepth: Int = 64,
        maxSharedStrings: Int = 200_000,
        maxProblems: Int = DocumentLimits.defaultMaxProblems
    ) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxZipEntries = maxZipEntries
        self.maxRows = maxRows
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
        self.maxSharedStrings = maxSharedStrings
        self.maxProblems = maxProblems
    }
}
