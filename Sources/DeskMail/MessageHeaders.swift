/// The header fields of a message or MIME part: every field in file order,
/// duplicates kept (`Received:` appears many times, and which one comes first
/// matters). Lookups by name ignore case.
public struct MessageHeaders: Sendable, Hashable, RandomAccessCollection {
    /// The fields in the order they appeared.
    public var fields: [HeaderField]

    /// Creates headers from fields in order.
    public init(_ fields: [HeaderField] = []) {
        self.fields = fields
    }

    /// The first field's position.
    public var startIndex: Int { fields.startIndex }
    /// One past the last field's position.
    public var endIndex: Int { fields.endIndex }
    /// The field at `position`.
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// The value of the first field called `name` (any case), or nil.
    public subscript(name: some StringProtocol) -> String? {
        first(named: name)?.value
    }

    /// The first field called `name` (any case): for most fields the one that counts.
    public func first(named name: some StringProtocol) -> HeaderField? {
        fields.first { $0.hasName(name) }
    }

    /// Every field called `name` (any case), in file order: the topmost
    /// `Received:` is `all(named: "Received").first`.
    public func all(named name: some StringProtocol) -> [HeaderField] {
        fields.filter { $0.hasName(name) }
    }

    /// Whether any field is called `name` (any case).
    public func contains(named name: some StringProtocol) -> Bool {
        fields.contains { $0.hasName(name) }
    }

    /// Adds a field after the existing ones.
    public mutating func append(_ field: HeaderField) {
        fields.append(field)
    }
}
