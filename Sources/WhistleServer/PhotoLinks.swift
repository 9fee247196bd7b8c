import Crypto
import Foundation
import WhistleStore

/// Signed, expiring links to residents' photos: a responder's client can open one without its token,
/// and a link copied into a group chat stops working after a quarter of an hour.
struct PhotoLinks: Sendable {
    let key: SymmetricKey
    static let lifetime: TimeInterval = 15 * 60

    init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    func link(_ id: String, now: Date) -> String {
        let expires = Int64(now.timeIntervalSince1970 + Self.lifetime)
        return "/api/v1/photos/\(id)?exp=\(expires)&sig=\(signature(id, expires))"
    }

    func verify(_ id: String, expires: String?, signature given: String?, now: Date) -> Bool {
        guard let expires, let value = Int64(expires), let given, Double(value) >= now.timeIntervalSince1970 else { return false }
        return Secret.equal(signature(id, value), given)
    }

    private func signature(_ id: String, _ expires: Int64) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("photo|\(id)|\(expires)".utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }
}
