import Foundation
import GRDB
import WhistleCore

/// A report whose promise passed without an acknowledgement.
public struct Breach: Sendable, Equatable {
    public var number: String
    public var at: Date
}

extension AppDatabase {
    /// Marks reports whose promise passed untaken as breached (once each, oldest first, at most `limit` a call) and
    /// plans their bounded re-notifications. Reads a partial index of open, unbreached reports by deadline, so a call
    /// costs what is overdue, not the history. Idempotent: running it twice plans nothing twice.
    @discardableResult
    public func recordBreaches(at now: Date, limit: Int = 200) async throws -> [Breach] {
        try await writer.write { db in
            let overdue = try Report.fetchAll(
                db,
                sql: """
                    SELECT * FROM report INDEXED BY report_breach_due
                    WHERE status = 'open' AND breached_at IS NULL AND promise_due_at <= ?
                    ORDER BY promise_due_at LIMIT ?
                    """, arguments: [now, limit])
            guard !overdue.isEmpty else { return [] }
            let roster = try Self.roster(db)
            var policies = PolicyCache()
            var breaches: [Breach] = []
            for var report in overdue {
                guard let point = try Point.fetchOne(db, key: report.pointID) else { continue }
                let policy = try policies.policy(report.policyID, db)
                let deadline = report.promiseDeadline(promiseSeconds: policy.promiseSeconds)
                report.breachedAt = deadline
                try report.update(db)
                var event = Event(reportID: report.id, at: deadline, kind: .breached, actor: EventActor.system)
                try event.insert(db)
                breaches.append(Breach(number: report.number, at: deadline))
                // A bounded number of repeats, planned now; after them the report waits in the daily digest.
                for (round, due) in policy.repeatRounds(deadline: deadline, now: now) {
                    _ = try Self.plan(
                        report: report, gridID: point.gridID, targets: [.onDuty, .gridLeader, .secretary], event: .breach,
                        step: policy.steps.count + round, key: "renotify/\(round)", due: due, roster: roster,
                        priority: DeliveryPriority.backlog, db)
                }
            }
            return breaches
        }
    }

    /// When the next open report's promise runs out, if any.
    public func nextBreachDue() async throws -> Date? {
        try await writer.read { db in
            try Date.fetchOne(
                db, sql: "SELECT MIN(promise_due_at) FROM report INDEXED BY report_breach_due WHERE status = 'open' AND breached_at IS NULL")
        }
    }
}

/// Policies by id, decoded once per transaction.
struct PolicyCache {
    private var known: [Int64: EscalationPolicy] = [:]

    mutating func policy(_ id: Int64?, _ db: Database) throws -> EscalationPolicy {
        guard let id else { return .standard }
        if let policy = known[id] { return policy }
        let json = try String.fetchOne(db, sql: "SELECT json FROM policy WHERE id = ?", arguments: [id])
        let policy = try json.map { try JSONDecoder().decode(EscalationPolicy.self, from: Data($0.utf8)) } ?? .standard
        known[id] = policy
        return policy
    }
}
