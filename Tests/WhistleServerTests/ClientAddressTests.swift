import Foundation
import Testing

@testable import WhistleServer

@Suite("Client address for rate limits")
struct ClientAddressTests {
    @Test("X-Forwarded-For is believed only from a trusted proxy, rightmost untrusted hop first")
    func forwarded() {
        let proxy: Set<String> = ["10.0.0.2"]
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", trusted: proxy) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.7", trusted: proxy) == "198.51.100.7")
        // A client can write anything on the left; the proxy appends the address it saw.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "6.6.6.6, 198.51.100.7", trusted: proxy) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "198.51.100.7, 10.0.0.2", trusted: proxy) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: nil, trusted: proxy) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: "1.2.3.4", trusted: proxy) == "unknown")
    }

    @Test("token buckets: a burst, then one per refill period")
    func buckets() async {
        let limiter = RateLimiter(.init(burst: 2, refillSeconds: 60))
        let start = ManualClock().now()
        #expect(await limiter.take("a", now: start))
        #expect(await limiter.take("a", now: start))
        #expect(await !limiter.take("a", now: start))
        #expect(await limiter.take("b", now: start))
        #expect(await !limiter.take("a", now: start.addingTimeInterval(59)))
        #expect(await limiter.take("a", now: start.addingTimeInterval(120)))
    }
}
