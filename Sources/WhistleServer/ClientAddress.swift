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
}
