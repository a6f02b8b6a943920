import DeskConfig
import DeskCore
import DeskTesting
import Foundation
import Testing

/// The response deadline (PRODUCT.md §6) computed on the calendars that ship in
/// `Config/`, for the cases where offices miscount by hand.
@Suite struct ShippedCalendarDeadlineTests {
    static var configuration: DeskConfiguration { ShippedConfiguration.value }

    struct Case: CustomTestStringConvertible, Sendable {
        let tenant: String
        let received: String
        let dueDate: String
        let deadline: String
        let why: String
        var testDescription: String { "\(tenant) \(received) → \(dueDate) (\(why))" }
    }

    static let cases: [Case] = [
        // Japan
        Case(
            tenant: "retail-jp", received: "2026-11-29T10:54:31+09:00", dueDate: "2026-12-04",
            deadline: "2026-12-04T23:59:59+09:00", why: "Sunday rolls back to Friday, as the saas-yaml example"),
        Case(
            tenant: "retail-jp", received: "2026-11-24T08:20:00+09:00", dueDate: "2026-12-01",
            deadline: "2026-12-01T23:59:59+09:00", why: "the day after 勤労感謝の日"),
        Case(
            tenant: "retail-jp", received: "2026-11-27T10:00:00+09:00", dueDate: "2026-12-04",
            deadline: "2026-12-04T23:59:59+09:00", why: "Friday: the weekend does not count"),
        Case(
            tenant: "retail-jp", received: "2026-11-28T10:00:00+09:00", dueDate: "2026-12-04",
            deadline: "2026-12-04T23:59:59+09:00", why: "Saturday"),
        Case(
            tenant: "retail-jp", received: "2019-04-26T12:00:00+09:00", dueDate: "2019-05-13",
            deadline: "2019-05-13T23:59:59+09:00", why: "2019's ten-day Golden Week"),
        Case(
            tenant: "retail-jp", received: "2026-05-01T12:00:00+09:00", dueDate: "2026-05-13",
            deadline: "2026-05-13T23:59:59+09:00", why: "振替休日 2026-05-06"),
        Case(
            tenant: "retail-jp", received: "2026-09-18T12:00:00+09:00", dueDate: "2026-09-30",
            deadline: "2026-09-30T23:59:59+09:00", why: "国民の休日 2026-09-22"),
        Case(
            tenant: "retail-jp", received: "2026-12-01T23:59:59+09:00", dueDate: "2026-12-08",
            deadline: "2026-12-08T23:59:59+09:00", why: "one second before local midnight"),
        Case(
            tenant: "retail-jp", received: "2026-12-02T00:00:00+09:00", dueDate: "2026-12-09",
            deadline: "2026-12-09T23:59:59+09:00", why: "local midnight"),
        Case(
            tenant: "retail-jp", received: "2026-12-01T14:59:59Z", dueDate: "2026-12-08",
            deadline: "2026-12-08T23:59:59+09:00", why: "UTC stamp just before Tokyo midnight"),
        Case(
            tenant: "retail-jp", received: "2026-12-01T15:00:00Z", dueDate: "2026-12-09",
            deadline: "2026-12-09T23:59:59+09:00", why: "UTC stamp at Tokyo midnight"),
        Case(
            tenant: "retail-jp", received: "2026-12-25T12:00:00+09:00", dueDate: "2027-01-07",
            deadline: "2027-01-07T23:59:59+09:00", why: "the office's 29 Dec – 3 Jan closure"),
        Case(
            tenant: "retail-jp", received: "2030-03-19T12:00:00+09:00", dueDate: "2030-03-27",
            deadline: "2030-03-27T23:59:59+09:00", why: "春分の日 2030 from the Holidays Act rules"),
        // United States
        Case(
            tenant: "retail-us", received: "2026-11-25T10:00:00-05:00", dueDate: "2026-12-03",
            deadline: "2026-12-03T23:59:59-05:00", why: "Thanksgiving"),
        Case(
            tenant: "retail-us", received: "2026-07-02T10:00:00-04:00", dueDate: "2026-07-10",
            deadline: "2026-07-10T23:59:59-04:00", why: "Independence Day on Saturday, observed Friday 3 July"),
        Case(
            tenant: "retail-us", received: "2021-12-23T10:00:00-05:00", dueDate: "2022-01-03",
            deadline: "2022-01-03T23:59:59-05:00", why: "Christmas and New Year both observed on Fridays"),
        Case(
            tenant: "retail-us", received: "2026-03-06T12:00:00-05:00", dueDate: "2026-03-13",
            deadline: "2026-03-13T23:59:59-04:00", why: "DST starts on 8 March: the deadline is in EDT"),
        Case(
            tenant: "retail-us", received: "2026-03-08T01:30:00-05:00", dueDate: "2026-03-13",
            deadline: "2026-03-13T23:59:59-04:00", why: "received in the night DST starts"),
        Case(
            tenant: "retail-us", received: "2026-10-30T12:00:00-04:00", dueDate: "2026-11-06",
            deadline: "2026-11-06T23:59:59-05:00", why: "DST ends on 1 November: the deadline is in EST"),
        Case(
            tenant: "retail-us", received: "2026-12-01T04:59:59Z", dueDate: "2026-12-07",
            deadline: "2026-12-07T23:59:59-05:00", why: "UTC stamp just before New York midnight (Monday)"),
        Case(
            tenant: "retail-us", received: "2026-12-01T05:00:00Z", dueDate: "2026-12-08",
            deadline: "2026-12-08T23:59:59-05:00", why: "UTC stamp at New York midnight (Tuesday)"),
        Case(
            tenant: "retail-us", received: "2026-01-16T12:00:00-05:00", dueDate: "2026-01-26",
            deadline: "2026-01-26T23:59:59-05:00", why: "Martin Luther King Jr. Day"),
    ]

    @Test(arguments: cases)
    func dueDateAndDeadline(_ example: Case) throws {
        let tenant = try #require(Self.configuration.tenant(example.tenant))
        let received = try #require(ISO8601DateFormatter().date(from: example.received))
        let deadline = ResponseDeadline(
            receivedAt: received, businessDays: tenant.sla.businessDays, calendar: tenant.calendar)
        #expect(deadline.dueDate.iso == example.dueDate)
        let expected = try #require(ISO8601DateFormatter().date(from: example.deadline))
        #expect(deadline.deadline == expected)
    }

    @Test func yearEndClosureIsLaidOverEveryCoveredYear() throws {
        let tenant = try #require(Self.configuration.tenant("retail-jp"))
        #expect(tenant.calendar.reasonClosed(LocalDate(year: 2019, month: 1, day: 2)!) != nil, "the first covered year's January too")
        for year in 2019...2030 {
            #expect(tenant.calendar.reasonClosed(LocalDate(year: year, month: 12, day: 30)!) != nil)
            #expect(tenant.calendar.reasonClosed(LocalDate(year: year + 1, month: 1, day: 2)!) != nil)
        }
        // The US office keeps no such closure: 30 Dec 2026 is a Wednesday and a business day.
        let us = try #require(Self.configuration.tenant("retail-us"))
        #expect(us.calendar.isBusinessDay(LocalDate(year: 2026, month: 12, day: 30)!))
    }
}

/// SLA states around the at-risk threshold and the deadline.
@Suite struct SLAStateTests {
    @Test(arguments: [
        ("2026-12-02T23:59:59+09:00", SLAState.onTrack),
        ("2026-12-03T00:00:00+09:00", SLAState.atRisk),  // start of the business day before the due date
        ("2026-12-04T23:59:59+09:00", SLAState.atRisk),
        ("2026-12-05T00:00:00+09:00", SLAState.breached),
    ])
    func stateAt(_ now: String, _ expected: SLAState) throws {
        let tenant = try #require(ShippedCalendarDeadlineTests.configuration.tenant("retail-jp"))
        let received = try #require(ISO8601DateFormatter().date(from: "2026-11-29T10:54:31+09:00"))
        let deadline = ResponseDeadline(receivedAt: received, businessDays: 5, calendar: tenant.calendar)
        let instant = try #require(ISO8601DateFormatter().date(from: now))
        #expect(
            tenant.sla.state(deadline: deadline, respondedAt: nil, at: instant, calendar: tenant.calendar) == expected)
        // Once answered, the SLA is met whatever the time.
        #expect(
            tenant.sla.state(deadline: deadline, respondedAt: received, at: instant, calendar: tenant.calendar) == .met)
        #expect(
            tenant.sla.state(deadline: nil, respondedAt: nil, at: instant, calendar: tenant.calendar) == SLAState.none)
    }

    @Test func atRiskSkipsTheWeekendBeforeAMondayDueDate() throws {
        let tenant = try #require(ShippedCalendarDeadlineTests.configuration.tenant("retail-jp"))
        // Received Mon 30 Nov → due Mon 7 Dec; the business day before is Fri 4 Dec.
        let received = try #require(ISO8601DateFormatter().date(from: "2026-11-30T09:00:00+09:00"))
        let deadline = ResponseDeadline(receivedAt: received, businessDays: 5, calendar: tenant.calendar)
        #expect(deadline.dueDate.iso == "2026-12-07")
        let thursday = try #require(ISO8601DateFormatter().date(from: "2026-12-03T23:00:00+09:00"))
        let friday = try #require(ISO8601DateFormatter().date(from: "2026-12-04T00:00:00+09:00"))
        #expect(
            tenant.sla.state(deadline: deadline, respondedAt: nil, at: thursday, calendar: tenant.calendar) == .onTrack)
        #expect(
            tenant.sla.state(deadline: deadline, respondedAt: nil, at: friday, calendar: tenant.calendar) == .atRisk)
    }
}
