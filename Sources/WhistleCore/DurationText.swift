import Foundation

/// Durations as people write them in the community file: `0s`, `90s`, `3m`, `1h30m`, `24h`, `2d`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var total: Int64 = 0
        var number = ""
        for character in trimmed {
            if character.isASCII && character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int64(number) else { return nil }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            total += value * unit
            number = ""
        }
        guard number.isEmpty else { return nil }
        return .seconds(total)
    }

    /// The shortest text that `parse` reads back: `10m`, `1h30m`, `0s`.
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        if seconds == 0 { return "0s" }
        var out = ""
        for (unit, suffix) in [(Int64(86400), "d"), (3600, "h"), (60, "m"), (1, "s")] where seconds >= unit {
            out += "\(seconds / unit)\(suffix)"
            seconds %= unit
        }
        return out
    }
}

extension Duration {
    /// Whole seconds, for storage and arithmetic on dates.
    public var wholeSeconds: Int64 { components.seconds }
}
