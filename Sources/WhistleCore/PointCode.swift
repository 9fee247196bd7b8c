/// The unguessable token printed in a plaque's QR URL.
///
/// 13 Crockford base32 characters carry 65 random bits. Crockford's alphabet has no I, L, O or U,
/// and `normalize` reads a hand-typed O as 0 and I/L as 1, so a code copied off a weathered plaque still matches.
public enum PointCode {
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 13

    /// A fresh code from the given generator (the system's CSPRNG unless a test passes its own).
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] })
    }

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// Upper-cases, drops separators and maps look-alikes; nil when it cannot be a code.
    public static func normalize(_ raw: String) -> String? {
        var out = ""
        for character in raw.uppercased() {
            switch character {
            case "-", " ": continue
            case "O": out.append("0")
            case "I", "L": out.append("1")
            default:
                guard alphabet.contains(character) else { return nil }
                out.append(character)
            }
        }
        return out.count == length ? out : nil
    }
}
