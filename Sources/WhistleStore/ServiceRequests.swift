import Foundation
import WhistleCore

/// Which reports an Open311 `GET requests` asks for (#18): one community, by number or by window, code and state.
public struct ServiceRequestFilter: Sendable {
    public var communityID: Int64
    /// `service_request_id`: when given, the other filters are ignored (the spec).
    public var numbers: [String]?
    /// `service_code`: the categories; nil for all.
    public var categories: [String]?
    /// Created in `[from, to]`.
    public var from: Date
    public var to: Date
    /// `status`: the states wanted; a duplicate counts as its original's.
    public var states: Set<GeoReportState>
    public var limit: Int
    public var offset: Int

    public init(
        communityID: Int64, numbers: [String]? = nil, categories: [String]? = nil, from: Date, to: Date,
        states: Set<GeoReportState> = Set(GeoReportState.allCases), limit: Int = 1000, offset: Int = 0
    ) {
        self.communityID = communityID
        self.numbers = numbers
        self.categories = categories
        self.from = from
        self.to = to
        self.states = states
        self.limit = limit
        self.offset = offset
    }
}

/// One report as Open311 shows it: the resident's view of it (timeline with roles, never phones), its original's
/// timeline for a duplicate, and what an integration sent with it.
public struct ServiceRequestRecord: Sendable {
    public var view: ReportView
    /// The original's events, for a duplicate (its state and notes follow the original's).
    public var originalEvents: [Event]
    /// The integration's own `media_url`, if it filed the report; residents' photos are never linked.
    public var mediaURL: String?
}

extension AppDatabase {
    /// The reports `filter` selects, newest first, each with its timeline, read in one snapshot with a fixed number
    /// of statements whatever the page's size.
    public func serviceRequests(_ filter: ServiceRequestFilter) async throws -> [ServiceRequestRecord] {
        try await read { tx in
            var clauses = ["report.community_id = ?"]
            var arguments: [SQLValue] = [.integer(filter.communityID)]
            if let numbers = filter.numbers {
                guard !numbers.isEmpty else { return [] }
                clauses.append("report.number IN (\(Self.marks(numbers.count)))")
                arguments += numbers.map { .text($0) }
            } else {
                clauses.append("report.created_at >= ? AND report.created_at <= ?")
                arguments += [.date(filter.from), .date(filter.to)]
                if let categories = filter.categories {
                    guard !categories.isEmpty else { return [] }
                    clauses.append("report.category IN (\(Self.marks(categories.count)))")
                    arguments += categories.map { .text($0) }
                }
                if filter.states.count == 1, let state = filter.states.first {
                    let list = ReportStatus.statuses(in: state).map { "'\($0.rawValue)'" }.joined(separator: ", ")
                    clauses.append(
                        "(CASE WHEN report.status = 'duplicate' THEN COALESCE(original.status, 'open') ELSE report.status END) IN (\(list))")
                } else if filter.states.isEmpty {
                    return []
                }
            }
            let reports = try tx.fetchAll(
                Report.self,
                """
                SELECT report.* FROM report LEFT JOIN report original ON original.id = report.duplicate_of
                WHERE \(clauses.joined(separator: " AND "))
                ORDER BY report.created_at DESC, report.id DESC LIMIT ? OFFSET ?
                """, SQLArguments(arguments + [.integer(Int64(filter.limit)), .integer(Int64(filter.offset))]))
            return try Self.records(reports, tx)
        }
    }

    /// Views of `reports` with their events, originals, points, actors and policies, in a handful of statements.
    static func records(_ reports: [Report], _ tx: any SQLTransaction) throws -> [ServiceRequestRecord] {
        guard !reports.isEmpty else { return [] }
        let originalIDs = Set(reports.compactMap(\.duplicateOf)).subtracting(reports.compactMap(\.id))
        let originals = originalIDs.isEmpty ? [] : try tx.fetchAll(
            Report.self, "SELECT * FROM report WHERE id IN (\(marks(originalIDs.count)))", SQLArguments(originalIDs.sorted().map { .integer($0) }))
        var byID: [Int64: Report] = [:]
        for report in reports + originals { if let id = report.id { byID[id] = report } }

        let allIDs = byID.keys.sorted()
        var events: [Int64: [Event]] = [:]
        for event in try tx.fetchAll(
            Event.self, "SELECT * FROM event WHERE report_id IN (\(marks(allIDs.count))) ORDER BY at, id", SQLArguments(allIDs.map { .integer($0) }))
        {
            if let id = event.reportID { events[id, default: []].append(event) }
        }
        let pointIDs = Set(reports.map(\.pointID)).sorted()
        let points = Dictionary(
            uniqueKeysWithValues: try tx.fetchAll(Point.self, "SELECT * FROM point WHERE id IN (\(marks(pointIDs.count)))", SQLArguments(pointIDs.map { .text($0) }))
                .map { ($0.id, $0) })
        var actorIDs = Set<String>()
        for list in events.values {
            for event in list {
                if let actor = event.actor { actorIDs.insert(actor) }
                if let to = event.detail["to"] { actorIDs.insert(to) }
                if let responder = event.detail["responder"] { actorIDs.insert(responder) }
            }
        }
        let actors = actorIDs.isEmpty ? [:] : Dictionary(
            uniqueKeysWithValues: try tx.fetchAll(
                Responder.self, "SELECT * FROM responder WHERE id IN (\(marks(actorIDs.count)))", SQLArguments(actorIDs.sorted().map { .text($0) })
            ).map { ($0.id, $0) })
        let reportIDs = reports.compactMap(\.id)
        var media: [Int64: String] = [:]
        for row in try tx.fetchAll(
            "SELECT report_id, media_url FROM open311_request WHERE media_url IS NOT NULL AND report_id IN (\(marks(reportIDs.count)))",
            SQLArguments(reportIDs.map { .integer($0) }))
        {
            media[try row.get("report_id", as: Int64.self)] = try row.get("media_url", as: String.self)
        }
        var policies = PolicyCache()
        return try reports.compactMap { report in
            guard let id = report.id, let point = points[report.pointID] else { return nil }
            let own = events[id] ?? []
            let original = report.duplicateOf.flatMap { byID[$0] }
            return ServiceRequestRecord(
                view: ReportView(
                    report: report, point: point, events: own, actors: actors, original: original,
                    policy: try policies.policy(report.policyID, tx)),
                originalEvents: original?.id.flatMap { events[$0] } ?? [], mediaURL: media[id])
        }
    }
}
