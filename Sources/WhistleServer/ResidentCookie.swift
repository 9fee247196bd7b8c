import Crypto
import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// "您反映过的问题": the reports a resident filed from this phone, kept in one signed cookie so that scanning the plaque
/// again shows them with their status. No account and nothing stored on the server: the cookie holds each report's
/// number and its status-page key (the server keeps only the key's hash, so the link could not be made otherwise),
/// newest first, at most `most`. It is HttpOnly, `SameSite=Lax`, and signed with a server key, so a page's script cannot
/// read it and an edited one is refused (and cleared).
struct ResidentReports: Sendable {
    static let keyName = "resident-reports"
    static let plainName = "whistle_mine"
    /// Over TLS (a trusted proxy says so) the cookie is bound to this host and sent only over HTTPS.
    static let secureName = "__Host-whistle_mine"
    static let most = 10
    /// A year: the retention period of a report's personal data.
    static let lifetime = 365 * 86400

    struct Entry: Equatable, Sendable {
        var number: String
        var key: String
    }

    enum Read: Equatable {
        case none
        case valid([Entry])
        /// Present but not ours as sent: edited, truncated or signed with another key.
        case tampered
    }

    let key: SymmetricKey
    let trustedProxies: Set<String>

    init(key: [UInt8], trustedProxies: Set<String>) {
        self.key = SymmetricKey(data: key)
        self.trustedProxies = trustedProxies
    }

    func isTLS(_ request: Request, _ context: WhistleRequestContext) -> Bool {
        ClientAddress.isTLS(request, context: context, trusted: trustedProxies)
    }

    func name(tls: Bool) -> String { tls ? Self.secureName : Self.plainName }

    func read(_ request: Request, _ context: WhistleRequestContext) -> Read {
        guard let raw = request.cookies[name(tls: isTLS(request, context))]?.value, !raw.isEmpty else { return .none }
        return parse(raw)
    }

    /// `1.<entries>.<mac>`: entries `NUMBER_KEY` joined by `~`, the MAC (HMAC-SHA256, hex) over `1.<entries>`.
    func parse(_ raw: String) -> Read {
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard raw.utf8.count <= 1024, parts.count == 3, parts[0] == "1", Secret.equal(parts[2], mac(parts[0] + "." + parts[1])) else {
            return .tampered
        }
        var entries: [Entry] = []
        for item in parts[1].split(separator: "~") {
            let pair = item.split(separator: "_").map(String.init)
            guard pair.count == 2, ReportNumber.isValid(pair[0]), (16...40).contains(pair[1].count),
                pair[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else { return .tampered }
            entries.append(Entry(number: pair[0], key: pair[1]))
        }
        return entries.count <= Self.most ? .valid(entries) : .tampered
    }

    func value(_ entries: [Entry]) -> String {
        let body = "1." + entries.prefix(Self.most).map { "\($0.number)_\($0.key)" }.joined(separator: "~")
        return body + "." + mac(body)
    }

    /// The cookie listing `entries` (newest first; the oldest past `most` fall off).
    func cookie(_ entries: [Entry], tls: Bool) -> Cookie {
        Cookie(name: name(tls: tls), value: value(entries), maxAge: Self.lifetime, path: "/", secure: tls, httpOnly: true, sameSite: .lax)
    }

    func clearing(tls: Bool) -> Cookie {
        Cookie(name: name(tls: tls), value: "", maxAge: 0, path: "/", secure: tls, httpOnly: true, sameSite: .lax)
    }

    /// What the clear button posts: tied to this cookie, so another site cannot clear it blindly.
    func clearToken(_ entries: [Entry]) -> String { String(mac("clear|" + value(entries)).prefix(32)) }

    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }
}
