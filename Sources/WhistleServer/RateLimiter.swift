import Foundation

/// Token buckets by key, in memory: limits reset on restart, which is fine for flood control.
actor RateLimiter {
    private struct State {
        var tokens: Double
        var updated: Date
    }

    private let bucket: RateLimits.Bucket
    private var states: [String: State] = [:]

    init(_ bucket: RateLimits.Bucket) {
        self.bucket = bucket
    }

    /// Takes one token for `key`; false when the bucket is empty.
    func take(_ key: String, now: Date) -> Bool {
        let capacity = Double(bucket.burst)
        var state = states[key] ?? State(tokens: capacity, updated: now)
        let earned = max(0, now.timeIntervalSince(state.updated)) / bucket.refillSeconds
        state.tokens = min(capacity, state.tokens + earned)
        state.updated = now
        let allowed = state.tokens >= 1
        if allowed { state.tokens -= 1 }
        states[key] = state
        if states.count > 50_000 { forgetFull(now: now) }
        return allowed
    }

    /// Drops buckets that have refilled: they hold nothing a fresh bucket would not.
    private func forgetFull(now: Date) {
        let full = bucket.refillSeconds * Double(bucket.burst)
        states = states.filter { now.timeIntervalSince($0.value.updated) < full }
    }
}
