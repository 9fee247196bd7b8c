import Foundation

/// Days of the week a duty row covers; bit 0 is Monday, bit 6 Sunday.
public struct Weekdays: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let all = Weekdays(rawValue: 0x7F)
    static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    public func contains(weekday: Int) -> Bool { rawValue & (1 << ((weekday % 7 + 7) % 7)) != 0 }

    /// Reads `mon-sun`, `mon-fri`, `sat,sun`, `fri-mon` (wraps), `daily`; nil when it cannot.
    public static func parse(_ text: String) -> Weekdays? {
        let cleaned = text.lowercased().replacingOccurrences(of: " ", with: "")
        if cleaned == "daily" || cleaned == "all" { return .all }
        var mask = 0
        for part in cleaned.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2,
                let first = names.firstIndex(of: String(ends[0])),
                let last = names.firstIndex(of: String(ends.last!))
            else { return nil }
            var day = first
            while true {
                mask |= 1 << day
                if day == last { break }
                day = (day + 1) % 7
            }
        }
        return mask == 0 ? nil : Weekdays(rawValue: mask)
    }
}

/// Who answers for a grid at a given hour (值班).
public struct DutyShift: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey {
        case gridID = "grid_id"
        case responderID = "responder_id"
        case days
        case startMinute = "start_minute"
        case endMinute = "end_minute"
        case backup
    }

    public var gridID: String
    public var responderID: String
    public var days: Weekdays
    /// Minutes after local midnight; `end` may be smaller than `start` for a shift that runs past midnight.
    public var startMinute: Int
    public var endMinute: Int
    /// A backup answers from the escalation's "backup" step, not the first one.
    public var backup: Bool

    public init(gridID: String, responderID: String, days: Weekdays, startMinute: Int, endMinute: Int, backup: Bool = false) {
        self.gridID = gridID
        self.responderID = responderID
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.backup = backup
    }

    /// True when this shift covers local `minute` of `weekday` (Monday = 0).
    /// An overnight shift listed for Friday covers Friday evening and the small hours of Saturday.
    public func covers(weekday: Int, minute: Int) -> Bool {
        if startMinute < endMinute {
            return days.contains(weekday: weekday) && minute >= startMinute && minute < endMinute
        }
        return (days.contains(weekday: weekday) && minute >= startMinute)
            || (days.contains(weekday: weekday - 1) && minute < endMinute)
    }

    /// Reads `HH:MM` (00:00 … 24:00) into minutes after midnight.
    public static func parseClock(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        let total = hours * 60 + minutes
        return total <= 1440 ? total : nil
    }
}

/// The duty table of a community.
public struct DutySchedule: Sendable {
    public var shifts: [DutyShift]

    public init(_ shifts: [DutyShift]) { self.shifts = shifts }

    /// Responders on duty (not backups) for `gridID` at the given local weekday and minute, in table order.
    public func onDuty(grid gridID: String, weekday: Int, minute: Int, backup: Bool = false) -> [String] {
        var seen = Set<String>()
        return shifts.filter { $0.gridID == gridID && $0.backup == backup && $0.covers(weekday: weekday, minute: minute) }
            .map(\.responderID)
            .filter { seen.insert($0).inserted }
    }
}
