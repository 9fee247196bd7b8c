import Foundation
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
        try await write { tx in
            // On PostgreSQL each node takes the overdue reports no other node is marking (SKIP LOCKED).
            let index = tx.dialect == .sqlite ? " INDEXED BY report_breach_due" : ""
            let lock = tx.dialect == .postgres ? " FOR NO KEY UPDATE SKIP LOCKED" : ""
            let overdue = try tx.fetchAll(
                Report.self,
                """
                SELECT * FROM report\(index)
                WHERE status = 'open' AND breached_at IS NULL AND promise_due_at <= ?
                ORDER BY promise_due_at LIMIT ?\(lock)
                """, [now, limit])
            guard !overdue.isEmpty else { return [] }
            let roster = try Self.roster(tx)
            var policies = PolicyCache()
            var breaches: [Breach] = []
            for var report in overdue {
                guard let point = try tx.fetch(Point.self, id: report.pointID) else { continue }
                let policy = try policies.policy(report.policyID, tx)
                let deadline = report.promiseDeadline(promiseSeconds: policy.promiseSeconds)
                report.breachedAt = deadline
                try tx.update(report)
                try tx.insert(Event(reportID: report.id, at: deadline, kind: .breached, actor: EventActor.system))
                breaches.append(Breach(number: report.number, at: deadline))
                // A bounded number of repeats, planned now; after them the report waits in the daily digest.
                for (round, due) in policy.repeatRounds(deadline: deadline, now: now) {
                    _ = try Self.plan(
                        report: report, gridID: point.gridID, targets: [.onDuty, .gridLeader, .secretary], event: .breach,
                        step: policy.steps.count + round, key: "renotify/\(round)", due: due, roster: roster,
                        priority: DeliveryPriority.backlog, tx)
                }
            }
            return breaches
        }
    }

    /// When the next open report's promise runs out, if any.
    public func nextBreachDue() async throws -> Date? {
        try await read { tx in
            let index = tx.dialect == .sqlite ? " INDEXED BY report_breach_due" : ""
            return try tx.value("SELECT MIN(promise_due_at) FROM report\(index) WHERE status = 'open' AND breached_at IS NULL", as: Date.self)
        }
    }
}

/// Policies by id, decoded once per transaction.
struct PolicyCache {
    private var known: [Int64: EscalationPolicy] = [:]

    mutating func policy(_ id: Int64?, _ tx: any SQLTransaction) throws -> EscalationPolicy {
        guard let id else { return .standard }
        if let policy = known[id] { return policy }
        let json = try tx.value("SELECT json FROM policy WHERE id = ?", [id], as: String.self)
        let policy = try json.map { try JSONDecoder().decode(EscalationPolicy.self, from: Data($0.utf8)) } ?? .standard
        known[id] = policy
        return policy
    }
}
