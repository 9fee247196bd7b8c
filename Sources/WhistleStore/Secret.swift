import Crypto
import Foundation
import WhistleCore

/// The secret in a resident's status link (`/t/{number}?k=…`) and API tokens: random, shown once, stored hashed.
public enum Secret {
    /// 128 random bits as 26 lowercase base32 characters, safe in a URL.
    public static func generate(bytes count: Int = 16) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var bits = 0
        var buffer = 0
        var out = ""
        for _ in 0..<count {
            buffer = (buffer << 8) | Int(generator.next() as UInt8)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[(buffer >> bits) & 31])
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    /// Hex SHA-256, what the database keeps.
    public static func hash(_ secret: String) -> String {
        Digits.hex(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Compares two secrets (or their hashes) in time that depends only on their length, not on where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
