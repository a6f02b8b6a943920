/// One day off in a calendar, with the name people know it by.
public struct Holiday: Hashable, Sendable {
    public let date: LocalDate
    public let name: String

    public init(date: LocalDate, name: String) {
        self.date = date
        self.name = name
    }
}
