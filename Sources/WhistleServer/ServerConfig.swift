import Foundation

/// How the HTTP server runs; everything else comes in as parameters to `buildApplication`.
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// Reverse proxies whose `X-Forwarded-For` is believed (exact peer IPs); from anyone else the header is ignored.
    public var trustedProxies: Set<String>
    public var limits: RateLimits
    /// Addresses besides loopback that may read `/metrics` (a Prometheus on another host); the client's address is
    /// the one behind a trusted proxy, so the public never reads the server's counters through it.
    public var metricsFrom: Set<String>
    /// A connection that sends nothing for this long is closed: half-sent requests cannot hold sockets (and file
    /// descriptors) forever when the server faces the internet directly.
    public var idleTimeout: Duration = .seconds(30)
    /// How often page views counted in memory are written (see `ScanCounter`).
    public var scanFlushEvery: Duration = .seconds(5)
    /// On a store shared by several nodes: `/readyz` fails while this node's clock is further than this from the
    /// database's (they share one schedule); nil to not check.
    public var maxClockSkew: TimeInterval? = 2

    public init(
        host: String = "127.0.0.1", port: Int = 8080, trustedProxies: Set<String> = [], limits: RateLimits = .init(), metricsFrom: Set<String> = []
    ) {
        self.host = host
        self.port = port
        self.trustedProxies = trustedProxies
        self.limits = limits
        self.metricsFrom = metricsFrom
    }
}

/// Token buckets against floods of reports: a burst, then a steady rate.
public struct RateLimits: Sendable {
    public struct Bucket: Sendable {
        /// Reports allowed at once.
        public var burst: Int
        /// Seconds to earn one more.
        public var refillSeconds: Double

        public init(burst: Int, refillSeconds: Double) {
            self.burst = burst
            self.refillSeconds = refillSeconds
        }
    }

    /// Per client address: a family may report a few things in a row, not dozens.
    public var perClient: Bucket
    /// Per point: a busy gate may get many residents, but not a script.
    public var perPoint: Bucket
    /// Per Open311 integration (by name, so a rotated key does not refill it): a city's back-end forwarding a busy
    /// morning, not a runaway loop.
    public var perIntegration: Bucket

    public init(
        perClient: Bucket = .init(burst: 6, refillSeconds: 120), perPoint: Bucket = .init(burst: 30, refillSeconds: 60),
        perIntegration: Bucket = .init(burst: 60, refillSeconds: 6)
    ) {
        self.perClient = perClient
        self.perPoint = perPoint
        self.perIntegration = perIntegration
    }
}
