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

    @Test("an IPv6 client is limited by its /64, an IPv4 one by its address")
    func limitKeys() {
        #expect(ClientAddress.limitKey("203.0.113.9") == "203.0.113.9")
        #expect(ClientAddress.limitKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:DB8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:db8::5") == "2001:db8:0:0::/64")
        #expect(ClientAddress.limitKey("fe80::1%eth0") == "fe80:0:0:0::/64")
        #expect(ClientAddress.limitKey("::ffff:192.0.2.1") == "::ffff:192.0.2.1")
    }

    @Test("memory stays bounded under a flood of addresses, and each take stays cheap")
    func boundedLimiter() async {
        let limiter = RateLimiter(.init(burst: 6, refillSeconds: 120), maxKeys: 20_000)
        let start = ManualClock().now()
        // 200,000 addresses in 100 seconds: none of their buckets refills in that time, so a sweep frees nothing.
        // The first 20,000 takes (the table filling) are the baseline for the last 20,000 (the table full, evicting):
        // the old limiter rebuilt its whole table on every take above 50,000 keys, hundreds of times slower. A ratio,
        // not a time: this runs beside 170 other tests on two shared cores, where 20 s was once not enough.
        var windows: [Duration] = []
        var began = ContinuousClock.now
        for index in 0..<200_000 {
            if index == 20_000 || index == 180_000 {
                windows.append(began.duration(to: .now))
                began = .now
            }
            _ = await limiter.take("k\(index)", now: start.addingTimeInterval(Double(index) / 2000))
        }
        windows.append(began.duration(to: .now))
        #expect(await limiter.count <= 20_001)
        let (filling, full) = (windows[0], windows[2])
        #expect(full < filling * 10 + .milliseconds(500), "the last 20,000 takes took \(full), the first \(filling)")
        // The most recent client keeps its bucket through the flood: one token used, five left, then refused.
        let now = start.addingTimeInterval(100)
        for _ in 0..<5 { #expect(await limiter.take("k199999", now: now)) }
        #expect(await !limiter.take("k199999", now: now))
    }
}
