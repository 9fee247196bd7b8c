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
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
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
