import DeskConfig
import DeskCore
import DeskServices
import DeskStore
import DeskTesting
import Foundation
import Testing

/// The sweep and the alerts read only the open submissions due by
/// `SLASweep.candidateBound` (issue 11): that bound must never leave out one that
/// is at risk or breached, on the shipped calendars with their holidays and
/// closures (the query's index: DeskStoreTests.OpenIndexTests).
@Suite struct SweepBoundTests {
    static var configuration: DeskConfiguration { ShippedConfiguration.value }

    @Test(arguments: ["retail-jp", "retail-us"])
    func noSubmissionThatCanBeAtRiskIsBeyondTheBound(_ id: String) throws {
        let tenant = try #require(Self.configuration.tenant(id))
        let start = try #require(ISO8601DateFormatter().date(from: "2026-04-20T00:00:00Z"))  // Golden Week ahead
        var checked = 0
        var atRiskSeen = 0
        // Receipts every 7 h 13 min over 10 months (year-end closures, Golden Week,
        // Thanksgiving), and for each a walk of "now" through its life every 5 h 17 min.
        var received = start
        while received < start.addingTimeInterval(300 * 86_400) {
            let deadline = ResponseDeadline(receivedAt: received, businessDays: tenant.sla.businessDays, calendar: tenant.calendar)
            var now = received
            while now < deadline.deadline.addingTimeInterval(3 * 86_400) {
                let state = tenant.sla.state(deadline: deadline, respondedAt: nil, at: now, calendar: tenant.calendar)
                let bound = SLASweep.candidateBound(for: tenant, at: now)
                if state == .atRisk || state == .breached {
                    #expect(
                        deadline.deadline <= bound,
                        "\(id): received \(received), now \(now): \(state) but due \(deadline.deadline) after the bound \(bound)")
                    if state == .atRisk { atRiskSeen += 1 }
                }
                // Not absurdly far either: the window is a few business days.
                #expect(bound.timeIntervalSince(now) < 21 * 86_400)
                checked += 1
                now = now.addingTimeInterval(5 * 3600 + 17 * 60)
            }
            received = received.addingTimeInterval(7 * 3600 + 13 * 60)
        }
        #expect(checked > 10_000 && atRiskSeen > 1_000, "\(checked) instants, \(atRiskSeen) at risk")
    }

    /// `businessDays(after:through:)` counts by weeks and a binary search (issue 11);
    /// it must agree with walking the days, on the shipped calendars with their
    /// holidays, closures that fall on weekends, and ranges of any length.
    @Test(arguments: ["retail-jp", "retail-us"])
    func businessDayCountAgreesWithWalkingTheDays(_ id: String) throws {
        let tenant = try #require(Self.configuration.tenant(id))
        let calendar = tenant.calendar
        var generator = SystemRandomNumberGenerator()
        let base = try #require(LocalDate(iso: "2024-01-01")).dayNumber
        for _ in 0..<3_000 {
            let start = LocalDate(dayNumber: base + Int.random(in: 0...1_500, using: &generator))
            let end = start.adding(days: Int.random(in: -10...900, using: &generator))
            var walked = 0
            var day = start.adding(days: 1)
            while day <= end {
                if calendar.isBusinessDay(day) { walked += 1 }
                day = day.adding(days: 1)
            }
            #expect(calendar.businessDays(after: start, through: end) == walked, "\(id) \(start) → \(end)")
        }
    }
}
