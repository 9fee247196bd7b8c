import Foundation

/// Token buckets by key, in memory: limits reset on restart, which is fine for flood control.
///
/// Memory is bounded: at most `maxKeys` buckets. Buckets that have refilled hold nothing a fresh one would not and are
/// swept, at most once a second; if a flood of addresses still leaves too many, the least recently used half goes (a
/// forgotten bucket starts full, so this errs towards letting residents in).
actor RateLimiter {
    private struct State {
        var tokens: Double
        var updated: Date
    }

    private let bucket: RateLimits.Bucket
    private let maxKeys: Int
    private var states: [String: State] = [:]
    private var sweptAt = Date.distantPast

    init(_ bucket: RateLimits.Bucket, maxKeys: Int = 100_000) {
        self.bucket = bucket
        self.maxKeys = maxKeys
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
        if states.count > maxKeys, abs(now.timeIntervalSince(sweptAt)) >= 1 { sweep(now: now) }
        return allowed
    }

    /// Whether `key` has a token now, without taking it.
    func has(_ key: String, now: Date) -> Bool {
        guard let state = states[key] else { return true }
        return min(Double(bucket.burst), state.tokens + max(0, now.timeIntervalSince(state.updated)) / bucket.refillSeconds) >= 1
    }

    /// How many buckets are held (for tests).
    var count: Int { states.count }

    private func sweep(now: Date) {
        sweptAt = now
        let full = bucket.refillSeconds * Double(bucket.burst)
        states = states.filter { now.timeIntervalSince($0.value.updated) < full }
        guard states.count > maxKeys else { return }
        let keep = states.sorted { $0.value.updated > $1.value.updated }.prefix(maxKeys / 2)
        states = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
