import Foundation

/// RFC 3339 date-times as the API takes them (`2026-11-25T09:30:00Z`, `2026-11-25T17:30:00+08:00`), checked
/// exactly: Foundation's ISO 8601 parsing accepts trailing text (`…Z*`), which API fuzzing found.
///
/// `pattern` is the same rule as openapi.yaml states (with `format: date-time`), so what the document calls valid the
/// server accepts, and nothing else. Days are checked against their month and year: 29 February only in leap years.
public enum Timestamp {
    public static let pattern =
        #"^(19|20)[0-9]{2}-(((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01]))|((0[469]|11)-(0[1-9]|[12][0-9]|30))|(02-(0[1-9]|1[0-9]|2[0-9])))T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$"#

    public static func parse(_ text: String) -> Date? {
        guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
        let digits = text.utf8.map { Int($0) - 48 }
        func number(_ from: Int, _ count: Int) -> Int { (from..<from + count).reduce(0) { $0 * 10 + digits[$1] } }
        var offset = 0
        if text.utf8.count > 20 {
            let sign = text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 19)] == UInt8(ascii: "-") ? -1 : 1
            offset = sign * (number(20, 2) * 3600 + number(23, 2) * 60)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let components = DateComponents(
            year: number(0, 4), month: number(5, 2), day: number(8, 2), hour: number(11, 2), minute: number(14, 2), second: number(17, 2))
        // 29 February of a common year passes the pattern; the calendar would roll it into March. Refused instead.
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == components.day else { return nil }
        return date.addingTimeInterval(TimeInterval(-offset))
    }
}
