import Crypto
import Foundation
import WhistleCore
import WhistleStore

/// Tokens in the report form: prove the form came from us for that point, recently, and was not sent before.
///
/// `issued.nonce.mac`, where the MAC (HMAC-SHA256 with a key kept in the database) covers the point, the time
/// and the nonce. The nonce is used up in the report's own transaction (see `ReportDraft.formNonce`).
public struct FormTokens: Sendable {
    let key: SymmetricKey
    /// The name of the server key that signs them (`AppDatabase.serverKey(named:)`).
    public static let keyName = "form-token"
    /// A resident may leave the form open a while (reading glasses, a neighbour's help); not for days.
    static let lifetime: TimeInterval = 24 * 3600

    public init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    public func issue(pointID: String, now: Date) -> String {
        let issued = String(Int64(now.timeIntervalSince1970))
        let nonce = Secret.generate(bytes: 12)
        return "\(issued).\(nonce).\(mac(pointID: pointID, issued: issued, nonce: nonce))"
    }

    enum Failure: Error { case invalid, expired }

    /// The token's nonce when it is ours, for this point, and not expired.
    func verify(_ token: String, pointID: String, now: Date) throws(Failure) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let issued = Int64(parts[0]), parts[1].count >= 16, parts[1].count <= 32 else { throw .invalid }
        let expected = mac(pointID: pointID, issued: parts[0], nonce: parts[1])
        guard Secret.equal(expected, parts[2]) else { throw .invalid }
        let age = now.timeIntervalSince1970 - Double(issued)
        guard age >= -300, age <= Self.lifetime else { throw .expired }
        return parts[1]
    }

    private func mac(pointID: String, issued: String, nonce: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("form|\(pointID)|\(issued)|\(nonce)".utf8), using: key)
        return Digits.hex(code)
    }
}
