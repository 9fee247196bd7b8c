import Foundation
import GRDB

extension AppDatabase {
    /// Takes the once-per-deployment job `name` for `lease` when `isDue(lastDone)` says it is due and nobody else
    /// holds it. True when the caller now holds it and must `finishJob` (or let the lease run out on failure).
    public func beginJob(
        _ name: String, holder: String, at now: Date, lease: TimeInterval, isDue: @escaping @Sendable (Date?) -> Bool
    ) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO job (name) VALUES (?) ON CONFLICT DO NOTHING", arguments: [name])
            let row = try Row.fetchOne(db, sql: "SELECT holder, lease_until, done_at FROM job WHERE name = ?", arguments: [name])
            let done: Date? = row?["done_at"]
            guard isDue(done) else { return false }
            if let until: Date = row?["lease_until"], until > now, let other: String = row?["holder"], other != holder { return false }
            try db.execute(sql: "UPDATE job SET holder = ?, lease_until = ? WHERE name = ?", arguments: [holder, now.addingTimeInterval(lease), name])
            return true
        }
    }

    /// Marks the job done at `now` and ends the holder's lease. Only a job that succeeded is marked done, so a
    /// failed one is tried again on the next pass, not a day later.
    public func finishJob(_ name: String, holder: String, at now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE job SET done_at = ?, holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?", arguments: [now, name, holder])
        }
    }

    /// Gives the job back without marking it done (it failed and should be tried again soon).
    public func releaseJob(_ name: String, holder: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE job SET holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    /// When the job last finished.
    public func jobDone(_ name: String) async throws -> Date? {
        try await writer.read { db in try Date.fetchOne(db, sql: "SELECT done_at FROM job WHERE name = ?", arguments: [name]) }
    }
}
