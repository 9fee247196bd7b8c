import Foundation

extension AppDatabase {
    /// Takes the once-per-deployment job `name` for `lease` when `isDue(lastDone)` says it is due and nobody else
    /// holds it. True when the caller now holds it and must `finishJob` (or let the lease run out on failure).
    ///
    /// On PostgreSQL the job's row is locked while it is judged: a second node asking at the same moment waits, then
    /// sees the first node's lease (read committed reads the row again after the lock). SQLite has one writer anyway.
    public func beginJob(
        _ name: String, holder: String, at now: Date, lease: TimeInterval, isDue: @escaping @Sendable (Date?) -> Bool
    ) async throws -> Bool {
        try await write { tx in
            try tx.execute("INSERT INTO job (name) VALUES (?) ON CONFLICT DO NOTHING", [name])
            let lock = tx.dialect == .postgres ? " FOR UPDATE" : ""
            let row = try tx.fetchOne("SELECT holder, lease_until, done_at FROM job WHERE name = ?\(lock)", [name])
            let done = try row?.optional("done_at", as: Date.self)
            guard isDue(done) else { return false }
            if let until = try row?.optional("lease_until", as: Date.self), until > now,
                let other = try row?.optional("holder", as: String.self), other != holder
            {
                return false
            }
            try tx.execute("UPDATE job SET holder = ?, lease_until = ? WHERE name = ?", [holder, now.addingTimeInterval(lease), name])
            return true
        }
    }

    /// Marks the job done at `now` and ends the holder's lease. Only a job that succeeded is marked done, so a
    /// failed one is tried again on the next pass, not a day later.
    public func finishJob(_ name: String, holder: String, at now: Date) async throws {
        try await write { tx in
            try tx.execute("UPDATE job SET done_at = ?, holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?", [now, name, holder])
        }
    }

    /// Gives the job back without marking it done (it failed and should be tried again soon).
    public func releaseJob(_ name: String, holder: String) async throws {
        try await write { tx in
            try tx.execute("UPDATE job SET holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?", [name, holder])
        }
    }

    /// When the job last finished.
    public func jobDone(_ name: String) async throws -> Date? {
        try await read { tx in try tx.value("SELECT done_at FROM job WHERE name = ?", [name], as: Date.self) }
    }
}
