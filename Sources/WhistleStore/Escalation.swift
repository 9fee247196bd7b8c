import Foundation
import GRDB
import WhistleCore

/// A report whose promise passed without an acknowledgement.
public struct Breach: Sendable, Equatable {
    public var number: String
    public var at: Date
}

extension AppDatabase {
    /// Moves every open report's timeline to `now`: a report past its promise is marked breached (once), and
    /// its next re-notification after the breach is planned. Idempotent: running it twice plans nothing twice.
    @discardableResult
    public func advanceEscalations(at now: Date) async throws -> [Breach] {
        try await writer.write { db in
            let overdue = try Report.fetchAll(
                db,
                sql: """
                    SELECT report.* FROM report JOIN policy ON policy.id = report.policy_id
                    WHERE report.status = 'open'
                      AND julianday(report.created_at) + json_extract(policy.json, '$.promiseSeconds') / 86400.0 <= julianday(?)
                    """, arguments: [now])
            guard !overdue.isEmpty else { return [] }
            let roster = try Self.roster(db)
            var breaches: [Breach] = []
            for var report in overdue {
                guard let view = try Self.view(of: report, db) else { continue }
                let policy = view.policy
                let deadline = report.createdAt.addingTimeInterval(TimeInterval(policy.promiseSeconds))
                if report.breachedAt == nil {
                    report.breachedAt = deadline
                    try report.update(db)
                    var event = Event(reportID: report.id, at: deadline, kind: "breached", actor: "system")
                    try event.insert(db)
                    breaches.append(Breach(number: report.number, at: deadline))
                }
                // Keep escalating every `after_breach_every` until someone takes it: plan the next one only.
                let every = TimeInterval(max(60, policy.afterBreachEverySeconds))
                let round = Int(now.timeIntervalSince(deadline) / every) + 1
                let due = deadline.addingTimeInterval(Double(round) * every)
                _ = try Self.plan(
                    report: report, gridID: view.point.gridID, targets: [.onDuty, .gridLeader, .secretary], event: "report.breach",
                    step: policy.steps.count + round, key: "renotify/\(round)", due: due, roster: roster, db)
            }
            return breaches
        }
    }
}
