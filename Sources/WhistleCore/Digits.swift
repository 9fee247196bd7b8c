/// Small formatting helpers for hot paths: `String(format:)` goes through Foundation's printf machinery and showed up
/// in every profile of a report POST (hashes, report numbers, day stamps; see BENCHMARKS.md).
public enum Digits {
    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` in decimal, left-padded with zeros to at least `width` digits (`value` ≥ 0).
    public static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
