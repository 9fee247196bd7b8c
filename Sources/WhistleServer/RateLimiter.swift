import Foundation
import WhistleStore

/// Token buckets by key, in memory: limits reset on restart, which is fine for flood control. With several nodes on
/// PostgreSQL the buckets live in the store instead (`shared`), so a resident's limit is theirs whichever node they
/// reach; if the database cannot answer, this node's own buckets decide meanwhile.
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
    /// The store and the bucket's name when every node must share it.
    private let shared: (store: AppDatabase, name: String)?

    init(_ bucket: RateLimits.Bucket, maxKeys: Int = 100_000, shared: (store: AppDatabase, name: String)? = nil) {
        self.bucket = bucket
        self.maxKeys = maxKeys
        self.shared = shared.flatMap { $0.store.isShared ? $0 : nil }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    func take(_ key: String, now: Date) async -> Bool {
        if let shared,
            let allowed = try? await shared.store.takeToken(
                bucket: shared.name, key: key, burst: bucket.burst, refillSeconds: bucket.refillSeconds, now: now)
        {
            return allowed
        }
        return takeLocally(key, now: now)
    }

    private func takeLocally(_ key: String, now: Date) -> Bool {
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
    func has(_ key: String, now: Date) async -> Bool {
        if let shared,
            let has = try? await shared.store.takeToken(
                bucket: shared.name, key: key, burst: bucket.burst, refillSeconds: bucket.refillSeconds, now: now, peek: true)
        {
            return has
        }
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
