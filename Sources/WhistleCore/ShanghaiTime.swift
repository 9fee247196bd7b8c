import Foundation

/// Local time of the community: Asia/Shanghai, UTC+8 all year (no daylight saving).
public enum ShanghaiTime {
    public static let timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }()

    /// `20261125` for the local day of `date`.
    public static func dayStamp(_ date: Date) -> String {
        // Shanghai has kept UTC+8 without daylight saving since 1991: the local day is arithmetic on the timestamp
        // (days-from-civil inverted, as in Howard Hinnant's date algorithms), far cheaper than `Calendar`, which
        // every report, scan and SLA row asks. Earlier dates go through the calendar.
        let seconds = date.timeIntervalSince1970
        guard seconds >= 694_224_000 else {  // 1992-01-01
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return Digits.padded(parts.year ?? 0, 4) + Digits.padded(parts.month ?? 0, 2) + Digits.padded(parts.day ?? 0, 2)
        }
        let days = Int((seconds + 8 * 3600) / 86400) + 719_468
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Digits.padded(year, 4) + Digits.padded(month, 2) + Digits.padded(day, 2)
    }

    /// `2026-11-25 14:03` for screens.
    public static func display(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0
        )
    }

    /// Weekday (Monday = 0 … Sunday = 6) and minute of the local day.
    public static func weekdayAndMinute(_ date: Date) -> (weekday: Int, minute: Int) {
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Calendar counts Sunday = 1.
        let weekday = ((parts.weekday ?? 1) + 5) % 7
        return (weekday, (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }
}
