import Foundation
import Testing
import WhistleCore

/// A moment given in Asia/Shanghai local time.
private func local(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text + "+08:00")!
}

private let roster = Roster(
    grids: [Grid(id: "g1", name: "一", leaderID: "leader"), Grid(id: "g2", name: "二", leaderID: "leader")],
    responders: [
        Responder(id: "day", name: "日", role: .gridWorker), Responder(id: "night", name: "夜", role: .gridWorker),
        Responder(id: "spare", name: "备", role: .gridWorker), Responder(id: "leader", name: "长", role: .gridLeader),
        Responder(id: "sec", name: "书记", role: .secretary), Responder(id: "gone", name: "离", role: .gridWorker, active: false),
    ],
    duty: [
        DutyShift(gridID: "g1", responderID: "day", days: Weekdays.parse("mon-fri")!, startMinute: 8 * 60, endMinute: 20 * 60),
        DutyShift(gridID: "g1", responderID: "night", days: Weekdays.parse("mon-fri")!, startMinute: 20 * 60, endMinute: 8 * 60),
        DutyShift(gridID: "g1", responderID: "spare", days: .all, startMinute: 0, endMinute: 1440, backup: true),
        DutyShift(gridID: "g2", responderID: "gone", days: .all, startMinute: 0, endMinute: 1440),
    ])

@Suite("Duty and recipients")
struct DutyTests {
    @Test("weekday ranges, lists and wrap-around")
    func weekdays() {
        #expect(Weekdays.parse("mon-sun") == .all)
        #expect(Weekdays.parse("daily") == .all)
        #expect(Weekdays.parse("mon-fri")?.rawValue == 0b0011111)
        #expect(Weekdays.parse("sat,sun")?.rawValue == 0b1100000)
        #expect(Weekdays.parse("fri-mon")?.rawValue == 0b1110001)
        #expect(Weekdays.parse("monday") == nil)
        #expect(Weekdays.parse("") == nil)
    }

    @Test("clock times")
    func clocks() {
        #expect(DutyShift.parseClock("00:00") == 0)
        #expect(DutyShift.parseClock("24:00") == 1440)
        #expect(DutyShift.parseClock("20:30") == 1230)
        #expect(DutyShift.parseClock("24:01") == nil)
        #expect(DutyShift.parseClock("8:00") == nil)
        #expect(DutyShift.parseClock("08:60") == nil)
    }

    @Test(
        "a shift across midnight covers the small hours of the next day",
        arguments: [
            ("2026-11-23T09:00:00", "day"),  // Monday morning
            ("2026-11-23T19:59:00", "day"),
            ("2026-11-23T20:00:00", "night"),  // Monday evening
            ("2026-11-24T03:00:00", "night"),  // small hours of Tuesday, Monday's night shift
            ("2026-11-23T03:00:00", ""),  // small hours of Monday: Sunday had no night shift
            ("2026-11-28T03:00:00", "night"),  // Saturday 03:00 belongs to Friday's night shift
            ("2026-11-28T12:00:00", ""),  // Saturday noon: nobody
        ])
    func overnight(at text: String, expected: String) {
        let (weekday, minute) = ShanghaiTime.weekdayAndMinute(local(text))
        #expect(roster.schedule.onDuty(grid: "g1", weekday: weekday, minute: minute) == (expected.isEmpty ? [] : [expected]))
    }

    @Test("on_duty with nobody on duty falls back to the grid leader and flags the gap")
    func gap() {
        let saturdayNoon = local("2026-11-28T12:00:00")
        let recipients = roster.resolve([.onDuty], grid: "g1", at: saturdayNoon)
        #expect(recipients == Recipients(responderIDs: ["leader"], dutyGap: true))
        // An inactive responder on duty counts as nobody.
        #expect(roster.resolve([.onDuty], grid: "g2", at: saturdayNoon).dutyGap)
    }

    @Test("targets resolve in policy order without repeats")
    func targets() {
        let mondayMorning = local("2026-11-23T09:00:00")
        #expect(roster.resolve([.onDuty, .backup], grid: "g1", at: mondayMorning).responderIDs == ["day", "spare"])
        #expect(roster.resolve([.gridLeader, .secretary, .gridLeader], grid: "g1", at: mondayMorning).responderIDs == ["leader", "sec"])
        #expect(roster.resolve([.responder("sec"), .responder("nobody")], grid: "g1", at: mondayMorning).responderIDs == ["sec"])
    }

    @Test("local day stamps follow Asia/Shanghai, not UTC")
    func dayStamp() {
        #expect(ShanghaiTime.dayStamp(local("2026-11-25T23:59:59")) == "20261125")
        #expect(ShanghaiTime.dayStamp(local("2026-11-26T00:00:00")) == "20261126")
    }

    @Test("the arithmetic day stamp agrees with the calendar's, leap days and centuries included")
    func dayStampArithmetic() {
        var generator = SystemRandomNumberGenerator()
        var instants = [local("2028-02-29T12:00:00"), local("2100-03-01T00:00:00"), local("2000-02-29T23:59:59"), local("1992-01-01T08:00:00")]
        instants += (0..<20_000).map { _ in Date(timeIntervalSince1970: Double.random(in: 694_224_000...4_102_444_800, using: &generator)) }
        for date in instants {
            let parts = ShanghaiTime.calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d%02d%02d", parts.year!, parts.month!, parts.day!)
            #expect(ShanghaiTime.dayStamp(date) == expected, "\(date)")
            if ShanghaiTime.dayStamp(date) != expected { return }
        }
        #expect(ReportNumber.make(day: "20261125", sequence: 7) == "20261125-0007")
        #expect(ReportNumber.make(day: "20261125", sequence: 12345) == "20261125-12345")
        #expect(Digits.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    }
}
