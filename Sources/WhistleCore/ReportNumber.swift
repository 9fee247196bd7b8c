import Foundation

/// Report numbers residents read over the phone: `20261125-0042`, the local day and its sequence.
public enum ReportNumber {
    public static func make(day: String, sequence: Int) -> String {
        day + "-" + Digits.padded(sequence, 4)
    }

    /// True for `YYYYMMDD-NNNN` (the sequence may grow past four digits on a very busy day).
    public static func isValid(_ number: String) -> Bool {
        let parts = number.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 8, parts[1].count >= 4 else { return false }
        return parts.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
