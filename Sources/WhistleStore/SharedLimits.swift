import Foundation

// Limits that must hold across nodes on PostgreSQL (docs/plans/15-postgres.md §5): a resident's burst of reports and a
// chat robot's 20 messages a minute belong to the resident and the robot, not to whichever node they reached. On
// SQLite one process serves, and the same limits stay in its memory (RateLimiter, RobotLimiter).
//
// Both tables are UNLOGGED: a crash of the database server forgets them, which only lets a burst through once. They
// exist on PostgreSQL only: callers check `isShared`.

extension AppDatabase {
    /// Whether this store is shared by several nodes, so that limits must live in it.
    public var isShared: Bool { postgres != nil }

    /// Takes one token from the bucket `key` of `bucket` (`burst` tokens, one back every `refillSeconds`); false when it
    /// is empty. With `peek`, only says whether a token is there. The row is locked for the decision, so two nodes
    /// taking the last token at once give it to one of them.
    public func takeToken(bucket: String, key: String, burst: Int, refillSeconds: Double, now: Date, peek: Bool = false) async throws -> Bool {
        // A look (every POST's first check) is a read; only a take writes.
        if peek {
            return try await read { tx in
                guard let row = try tx.fetchOne("SELECT tokens, updated_at FROM rate_bucket WHERE bucket = ? AND key = ?", [bucket, key])
                else { return true }
                let earned = max(0, now.timeIntervalSince(try row.get("updated_at", as: Date.self))) / refillSeconds
                return min(Double(burst), try row.get("tokens", as: Double.self) + earned) >= 1
            }
        }
        return try await writeRelaxedSQL { tx in
            if !peek {
                try tx.execute(
                    "INSERT INTO rate_bucket (bucket, key, tokens, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (bucket, key) DO NOTHING",
                    [bucket, key, Double(burst), now])
            }
            let lock = peek ? "" : tx.dialect.lockForUpdate
            guard let row = try tx.fetchOne("SELECT tokens, updated_at FROM rate_bucket WHERE bucket = ? AND key = ?\(lock)", [bucket, key])
            else { return true }
            let earned = max(0, now.timeIntervalSince(try row.get("updated_at", as: Date.self))) / refillSeconds
            let tokens = min(Double(burst), try row.get("tokens", as: Double.self) + earned)
            guard tokens >= 1 else { return false }
            if !peek {
                try tx.execute("UPDATE rate_bucket SET tokens = ?, updated_at = ? WHERE bucket = ? AND key = ?", [tokens - 1, now, bucket, key])
            }
            return true
        }
    }

    /// Reserves up to `wanting` of a robot's sends within its sliding window (`limit` per `window` seconds); returns how
    /// many it got and, when that leaves the robot full, when it next has room. Nodes queue on the robot (an advisory
    /// lock on its address), so together they never send more than the limit.
    public func reserveRobotSends(robot: String, limit: Int, window: TimeInterval, wanting: Int, now: Date) async throws -> (granted: Int, nextRoom: Date?) {
        try await writeRelaxedSQL { tx in
            if tx.dialect == .postgres { try tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [robot]) }
            try tx.execute("DELETE FROM robot_send WHERE robot = ? AND at <= ?", [robot, now.addingTimeInterval(-window)])
            var recent = try tx.fetchAll("SELECT at FROM robot_send WHERE robot = ? ORDER BY at", [robot]).map { try $0.get("at", as: Date.self) }
            let granted = max(0, min(wanting, limit - recent.count))
            for _ in 0..<granted {
                try tx.execute("INSERT INTO robot_send (robot, at) VALUES (?, ?)", [robot, now])
                recent.append(now)
            }
            let nextRoom = recent.count >= limit ? recent.first.map { $0.addingTimeInterval(window) } : nil
            return (granted, nextRoom)
        }
    }

    /// Gives back sends reserved at `now` and not used (a folded plan needed fewer messages than it reserved).
    public func releaseRobotSends(robot: String, count: Int, at now: Date) async throws {
        guard count > 0 else { return }
        try await writeRelaxedSQL { tx in
            try tx.execute("DELETE FROM robot_send WHERE ctid IN (SELECT ctid FROM robot_send WHERE robot = ? AND at = ? LIMIT ?)", [robot, now, count])
        }
    }

    /// Forgets buckets idle for a day (they would be full again by then); the daily housekeeping.
    public func purgeRateBuckets(before cutoff: Date) async throws {
        guard isShared else { return }
        try await writeRelaxedSQL { tx in try tx.execute("DELETE FROM rate_bucket WHERE updated_at < ?", [cutoff]) }
    }

    /// How far `now` (this node's clock) is from the database server's, in seconds, positive when this node is ahead;
    /// nil on SQLite, where one machine's clock is the only one. Nodes sharing a schedule must agree on the time.
    public func clockSkew(now: Date) async throws -> TimeInterval? {
        guard isShared else { return nil }
        let server = try await read { tx in try tx.value("SELECT clock_timestamp()", as: Date.self) }
        return server.map { now.timeIntervalSince($0) }
    }
}
