import Foundation
import HTTPTypes
import Hummingbird

/// The address a request came from, for rate limits only; never stored.
enum ClientAddress {
    /// The peer's IP, or — when the peer is a trusted proxy — the last `X-Forwarded-For` hop that is not one.
    static func resolve(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String {
        guard let peer else { return "unknown" }
        guard trusted.contains(peer), let forwardedFor else { return peer }
        // Rightmost first: hops further left were written by the client and prove nothing.
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trusted.contains(hop) {
            return hop
        }
        return peer
    }

    static func of(_ request: Request, context: WhistleRequestContext, trusted: Set<String>) -> String {
        resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            trusted: trusted)
    }

    /// Whether the request reached the proxy over TLS: only a trusted proxy's `X-Forwarded-Proto` says so (the server
    /// speaks plain HTTP itself). From anyone else the header proves nothing and is ignored.
    static func isTLS(_ request: Request, context: WhistleRequestContext, trusted: Set<String>) -> Bool {
        guard let peer = context.remoteAddress?.ipAddress, trusted.contains(peer),
            let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!]
        else { return false }
        // The proxy nearest us appends last.
        return proto.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    /// 127.0.0.0/8, ::1 and IPv4-mapped loopback: the server's own host.
    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.lowercased().hasPrefix("::ffff:127.")
    }

    /// The key a client is rate-limited under: its IPv4 address, or its IPv6 /64 (one household or phone gets a whole
    /// /64 and can rotate through it; a bucket per address would be a bucket per request).
    static func limitKey(_ address: String) -> String {
        guard address.contains(":"), !address.lowercased().hasPrefix("::ffff:") else { return address }
        let bare = address.split(separator: "%", maxSplits: 1).first.map(String.init) ?? address
        let halves = bare.components(separatedBy: "::")
        let head = halves[0].split(separator: ":").map(String.init)
        let tail = halves.count > 1 ? halves[1].split(separator: ":").map(String.init) : []
        let groups = head + Array(repeating: "0", count: max(0, 8 - head.count - tail.count)) + tail
        return groups.prefix(4).map { String(Int($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}
