/// Where on a grid a part-time grid worker saw a problem, in their words ("3号楼东侧"): what a report at a grid's typed
/// place (`PointKind.grid`) says instead of a plaque's name.
public enum FoundPlace {
    public static let maxCharacters = 40

    /// Trimmed, inner runs of white space as one space; nil when empty, longer than `maxCharacters`, or holding control
    /// or private-use characters (it is shown on every responder's page and message).
    public static func clean(_ raw: String) -> String? {
        let words = raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard !words.isEmpty, words.count <= maxCharacters else { return nil }
        for scalar in words.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .privateUse, .surrogate, .unassigned, .format: return nil
            default: continue
            }
        }
        return words
    }
}
