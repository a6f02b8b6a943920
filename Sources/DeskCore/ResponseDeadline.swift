import Foundation

/// The response SLA of PRODUCT.md §6: N business days after the local date of receipt.
public struct ResponseDeadline: Sendable, Equatable {
    /// The Nth business day after the receipt date.
    public let dueDate: LocalDate
    /// The end of `dueDate` in the tenant's zone.
    public let deadline: Date

    public init(dueDate: LocalDate, deadline: Date) {
        self.dueDate = dueDate
        self.deadline = deadline
    }

    /// Computes the deadline for mail received at `receivedAt`.
    public init(receivedAt: Date, businessDays: Int, calendar: BusinessCalendar) {
        let receiptDate = calendar.localDate(of: receivedAt)
        let due = calendar.businessDay(businessDays, after: receiptDate)
        self.init(dueDate: due, deadline: calendar.endOfDay(due))
    }
}

/// Where a submission stands against its response deadline.
public enum SLAState: String, Sendable, Codable, CaseIterable {
    case onTrack = "on-track"
    case atRisk = "at-risk"
    case breached
    case met
    /// No SLA: automatic replies, bounces and duplicates.
    case none
}

/// Decides the SLA state at an instant; the at-risk window is configurable.
public struct SLAPolicy: Sendable, Equatable {
    /// Business days in which to answer (PRODUCT.md §6: 5).
    public var businessDays: Int
    /// At-risk starts this many business days before the due date (default 1).
    public var atRiskBusinessDays: Int

    public init(businessDays: Int = 5, atRiskBusinessDays: Int = 1) {
        self.businessDays = businessDays
        self.atRiskBusinessDays = atRiskBusinessDays
    }

    /// The state at `now` of a submission due at `deadline`, answered at `respondedAt` if ever.
    public func state(
        deadline: ResponseDeadline?, respondedAt: Date?, at now: Date, calendar: BusinessCalendar
    ) -> SLAState {
        guard let deadline else { return .none }
        if respondedAt != nil { return .met }
        // The deadline is the due date's last second: breached from the next midnight.
        if now >= deadline.deadline.addingTimeInterval(1) { return .breached }
        let atRiskFrom = calendar.startOfDay(
            calendar.businessDay(before: deadline.dueDate, by: atRiskBusinessDays))
        return now >= atRiskFrom ? .atRisk : .onTrack
    }
}
