import Foundation
import GRDB
import WhistleCore

/// An outbox row with what a channel needs to write its message.
public struct Delivery: Sendable {
    public var entry: OutboxEntry
    public var report: Report
    public var point: Point
    public var responder: Responder
    /// The promise of the policy the report came in under.
    public var promiseSeconds: Int64
}

extension AppDatabase {
    /// Pending rows whose time has come, oldest first; rows of reports that no longer need them are cancelled.
    public func dueDeliveries(at now: Date, limit: Int = 100) async throws -> [Delivery] {
        try await writer.write { db in
            // An acknowledgement stops the promise clock: later notify steps are cancelled, not sent.
            // A department reporting in stops its window the same way.
            try db.execute(
                sql: """
                    UPDATE outbox SET cancelled_at = ?1
                    WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL
                      AND ((stage = 'promise' AND report_id IN (SELECT id FROM report WHERE status <> 'open'))
                        OR (stage = 'whistle' AND report_id IN (
                              SELECT id FROM report WHERE reported_in_at IS NOT NULL OR status IN ('resolved', 'closed', 'rejected')))
                        OR (stage = 'resolve' AND report_id IN (SELECT id FROM report WHERE status IN ('resolved', 'closed', 'rejected'))))
                    """, arguments: [now])
            let entries = try OutboxEntry.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox
                    WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND next_try_at <= ?
                    ORDER BY next_try_at, id LIMIT ?
                    """, arguments: [now, limit])
            return try entries.compactMap { entry in
                guard let report = try Report.fetchOne(db, key: entry.reportID),
                    let point = try Point.fetchOne(db, key: report.pointID),
                    let responder = try Responder.fetchOne(db, key: entry.responderID)
                else { return nil }
                let promise = try Int64.fetchOne(
                    db, sql: "SELECT json_extract(json, '$.promiseSeconds') FROM policy WHERE id = ?", arguments: [report.policyID]) ?? 600
                return Delivery(entry: entry, report: report, point: point, responder: responder, promiseSeconds: promise)
            }
        }
    }

    /// When the next pending row falls due, if any.
    public func nextDue() async throws -> Date? {
        try await writer.read { db in
            try Date.fetchOne(
                db,
                sql: "SELECT MIN(next_try_at) FROM outbox WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL")
        }
    }

    public func markDelivered(outboxID: Int64, at now: Date, late: Bool = false) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                arguments: [now, outboxID])
            if let entry = try OutboxEntry.fetchOne(db, key: outboxID) {
                var detail = ["responder": entry.responderID, "channel": entry.channelKind, "step": String(entry.step), "event": entry.event]
                if late { detail["late"] = "true" }
                var event = Event(reportID: entry.reportID, at: now, kind: "notified", actor: "system", detail: detail)
                try event.insert(db)
            }
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or given up for good when nil.
    public func markFailed(outboxID: Int64, error: String, retryAt: Date?, at now: Date) async throws {
        try await writer.write { db in
            if let retryAt {
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try_at = ? WHERE id = ?",
                    arguments: [error, retryAt, outboxID])
            } else {
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?",
                    arguments: [error, now, outboxID])
                if let entry = try OutboxEntry.fetchOne(db, key: outboxID) {
                    var event = Event(
                        reportID: entry.reportID, at: now, kind: "delivery_failed", actor: "system",
                        detail: ["responder": entry.responderID, "channel": entry.channelKind, "step": String(entry.step), "error": error])
                    try event.insert(db)
                }
            }
        }
    }

    /// Moves a pending row to a later try without counting an attempt (a robot at its rate limit).
    public func postpone(outboxID: Int64, until date: Date, reason: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE outbox SET next_try_at = ?, last_error = ? WHERE id = ?", arguments: [date, reason, outboxID])
        }
    }
}
