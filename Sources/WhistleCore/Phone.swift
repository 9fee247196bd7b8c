/// Mainland mobile numbers: validation and masking.
public enum Phone {
    /// Accepts `13800000001`, `+86 138 0000 0001`, `138-0000-0001`; returns the 11 digits or nil.
    public static func normalize(_ raw: String) -> String? {
        var digits = raw.filter { !" -".contains($0) }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("0086") { digits.removeFirst(4) }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            digits.first == "1", let second = digits.dropFirst().first, "3456789".contains(second)
        else { return nil }
        return digits
    }

    /// `13800000001` → `138****0001`; anything else is fully masked.
    public static func mask(_ phone: String) -> String {
        guard phone.count == 11 else { return String(repeating: "*", count: max(phone.count, 4)) }
        return phone.prefix(3) + "****" + phone.suffix(4)
    }
}
