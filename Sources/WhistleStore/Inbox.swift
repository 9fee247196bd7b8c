import Foundation
import WhistleCore

/// Filters for a report list.
public struct ReportFilter: Sendable {
    public var statuses: [ReportStatus]
    public var gridID: String?
    /// Only reports of this community.
    public var communityID: Int64?
    /// Only reports taken by, or whistled to, the responder.
    public var mine: Bool
    public var limit: Int
    /// Newest first (a part-time worker's own list), instead of the one waiting longest on top.
    public var newestFirst: Bool

    public init(
        statuses: [ReportStatus] = [.open, .acknowledged, .whistled], gridID: String? = nil, communityID: Int64? = nil,
        mine: Bool = false, limit: Int = 200, newestFirst: Bool = false
    ) {
        self.newestFirst = newestFirst
        self.communityID = communityID
        self.statuses = statuses
        self.gridID = gridID
        self.mine = mine
        self.limit = limit
    }
}

/// A report with what a list shows beside it.
public struct ReportSummary: Sendable {
    public var report: Report
    public var point: Point
    public var promiseSeconds: Int64
    /// How long whoever takes it has to fix it (`resolve_within`), for "time left" on a phone's inbox.
    public var resolveWithinSeconds: Int64 = 86400
}

extension AppDatabase {
    public func scope(for responder: Responder) async throws -> Scope {
        try await snapshot().roster.scope(for: responder)
    }

    /// Reports in `scope` matching `filter`, oldest first (the one waiting longest on top) unless `filter.newestFirst`.
    public func reports(in scope: Scope, filter: ReportFilter) async throws -> [ReportSummary] {
        try await read { tx in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if !filter.statuses.isEmpty {
                conditions.append("report.status IN (\(filter.statuses.map { _ in "?" }.joined(separator: ",")))")
                arguments += filter.statuses.map { .text($0.rawValue) }
            }
            if let grid = filter.gridID {
                conditions.append("point.grid_id = ?")
                arguments.append(.text(grid))
            }
            let me = scope.responder.id
            if filter.mine {
                conditions.append("(report.ack_by = ? OR report.whistled_to = ?)")
                arguments += [.text(me), .text(me)]
            }
            if let community = filter.communityID {
                conditions.append("report.community_id = ?")
                arguments.append(.integer(community))
            }
            let inScope = ScopeSQL.condition(scope)
            conditions.append(inScope.sql)
            arguments += inScope.arguments.values
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let reports = try tx.fetchAll(
                Report.self,
                """
                SELECT report.* FROM report JOIN point ON point.id = report.point_id
                \(whereClause) ORDER BY \(filter.newestFirst ? "report.created_at DESC, report.id DESC" : "report.created_at, report.id") LIMIT \(max(1, min(filter.limit, 1000)))
                """, SQLArguments(arguments))
            // The policy each report came in under, decoded once per list.
            var policies = PolicyCache()
            var points: [String: Point] = [:]
            return try reports.map { report in
                if points[report.pointID] == nil { points[report.pointID] = try tx.fetch(Point.self, id: report.pointID) }
                let policy = try policies.policy(report.policyID, tx)
                return ReportSummary(
                    report: report, point: points[report.pointID]!, promiseSeconds: Int64(policy.promiseSeconds),
                    resolveWithinSeconds: Int64(policy.resolveWithinSeconds))
            }
        }
    }

    /// One report with its timeline, for a responder (no key needed; the caller checks the scope).
    public func reportView(number: String) async throws -> ReportView? {
        try await read { tx in
            guard let report = try tx.fetchOne(Report.self, "SELECT * FROM report WHERE number = ?", [number]) else { return nil }
            return try Self.view(of: report, tx)
        }
    }

    /// Events after the event `id`, in commit order, with their report numbers: the feed behind `whistle watch` and the
    /// SSE stream, whose cursor (`Last-Event-ID`) is the id of the last event it sent.
    ///
    /// SQLite commits one writer at a time, so ids are in commit order. PostgreSQL hands out ids before commit: with
    /// several nodes, event 105 can commit before 104, and a cursor at 105 would skip 104 for good. There the feed goes
    /// by (transaction id, event id) and shows only events of transactions older than every one still running
    /// (`pg_snapshot_xmin`): nothing can then commit behind the cursor. Reads take no transaction id and never hold it
    /// back; a write does, in any database of the cluster, so an event is held back `holdingBackAtMost` (10 s) at most:
    /// a write of another application left open must not stall the responders' feed. Only a Whistle write open longer
    /// than that (`migrate`, `dev seed`: not for a live deployment) could then commit an event behind the cursor.
    public func events(after id: Int64, limit: Int = 200, holdingBackAtMost hold: TimeInterval = 10) async throws
        -> [(event: Event, number: String, gridID: String)]
    {
        let heldSince = Date().addingTimeInterval(-hold)
        return try await read { tx in
            let select = """
                SELECT event.*, report.number AS number, point.grid_id AS grid_id FROM event
                JOIN report ON report.id = event.report_id JOIN point ON point.id = report.point_id
                """
            let rows: [SQLRow]
            switch tx.dialect {
            case .sqlite:
                rows = try tx.fetchAll("\(select) WHERE event.id > ? ORDER BY event.id LIMIT ?", [id, limit])
            case .postgres:
                // The cursor's transaction; for an id no longer there, the nearest event before it.
                rows = try tx.fetchAll(
                    """
                    \(select)
                    WHERE (event.tx, event.id) > (COALESCE((SELECT tx FROM event WHERE id = ?1),
                        (SELECT tx FROM event WHERE id < ?1 ORDER BY id DESC LIMIT 1), '0'::xid8), ?1)
                      AND (event.tx < pg_snapshot_xmin(pg_current_snapshot()) OR event.at < ?3)
                    ORDER BY event.tx, event.id LIMIT ?2
                    """, [id, limit, heldSince])
            }
            return try rows.map { row in (try RowDecoding.decode(Event.self, from: row), try row.get("number"), try row.get("grid_id")) }
        }
    }

    /// Where a feed starts: after `resume` (a client's `Last-Event-ID`) when that is an event id this store has handed
    /// out, else after the last event in the feed's order (on PostgreSQL, of the transactions that have ended). Not
    /// "the smaller of the two": on PostgreSQL a cursor can be above the last event's id and still behind it.
    public func feedStart(resuming resume: Int64? = nil) async throws -> Int64 {
        let heldSince = Date().addingTimeInterval(-10)
        return try await read { tx in
            let highest = try tx.value("SELECT MAX(id) FROM event", as: Int64.self) ?? 0
            if let resume, resume >= 0, resume <= highest { return resume }
            switch tx.dialect {
            case .sqlite:
                return highest
            case .postgres:
                return try tx.value(
                    """
                    SELECT id FROM event WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) OR at < ?
                    ORDER BY tx DESC, id DESC LIMIT 1
                    """, [heldSince], as: Int64.self) ?? 0
            }
        }
    }
}
