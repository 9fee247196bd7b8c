import Foundation
import WhistleCore

/// How the SLA report splits its figures.
public enum SLAGrouping: String, Sendable, CaseIterable, Codable {
    case grid, responder, point, category, kind, community
}

/// One row of figures: the whole period, or one group of it. Durations in seconds.
public struct SLAFigures: Sendable, Codable, Equatable {
    public var group: String
    public var label: String
    /// Reports counted (rejected and duplicates excluded).
    public var reports: Int
    /// Acknowledged within the promise.
    public var kept: Int
    public var keptPercent: Double?
    public var acknowledged: Int
    public var ackP50: Int?
    public var ackP90: Int?
    public var ackMax: Int?
    /// Not acknowledged within the promise: taken late, or still untaken past it.
    public var breaches: Int
    public var whistled: Int
    public var resolved: Int
    public var resolvedPercent: Double?
    public var resolveP50: Int?
    public var resolveP90: Int?
    public var openNow: Int
    public var ratingAverage: Double?
    public var ratings: Int
    public var duplicates: Int

    enum CodingKeys: String, CodingKey {
        case group, label, reports, kept, acknowledged, breaches, whistled, resolved, ratings, duplicates
        case keptPercent = "kept_percent"
        case ackP50 = "ack_p50_s"
        case ackP90 = "ack_p90_s"
        case ackMax = "ack_max_s"
        case resolvedPercent = "resolved_percent"
        case resolveP50 = "resolve_p50_s"
        case resolveP90 = "resolve_p90_s"
        case openNow = "open_now"
        case ratingAverage = "rating_average"
    }
}

/// The SLA report of a period: was the 10-minute promise kept, how fast, where it broke, how satisfied residents were.
public struct SLAReport: Sendable, Codable {
    public struct Day: Sendable, Codable, Equatable {
        public var day: String
        public var reports: Int
        public var kept: Int
    }

    public struct Bucket: Sendable, Codable, Equatable {
        /// Minutes to acknowledge, `minute ..< minute + 1`; the last bucket holds everything from there on.
        public var minute: Int
        public var count: Int
    }

    public struct BreachItem: Sendable, Codable, Equatable {
        public var number: String
        public var point: String
        /// The point's community, when the report covers several.
        public var community: String?
        public var createdAt: Date
        /// Seconds past the promise when it was taken, or until now if it still is not.
        public var lateSeconds: Int
        public var taken: Bool
        /// Who was notified at each step: "0: r-zhao", "1: r-zhao, r-qian" …
        public var notified: [String]

        enum CodingKeys: String, CodingKey {
            case number, point, community, taken, notified
            case createdAt = "created_at"
            case lateSeconds = "late_s"
        }
    }

    public struct DepartmentItem: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        public var whistled: Int
        public var reportedIn: Int
        public var reportInP50: Int?
        public var reportInMax: Int?

        enum CodingKeys: String, CodingKey {
            case id, name, whistled
            case reportedIn = "reported_in"
            case reportInP50 = "report_in_p50_s"
            case reportInMax = "report_in_max_s"
        }
    }

    public struct PlaqueItem: Sendable, Codable, Equatable {
        public var point: String
        public var name: String
        public var scans: Int
        public var reports: Int
        public var reportsPerScan: Double?
        public var lastVerified: Date?

        enum CodingKeys: String, CodingKey {
            case point, name, scans, reports
            case reportsPerScan = "reports_per_scan"
            case lastVerified = "last_verified"
        }
    }

    /// What part-time grid workers (兼职网格员) found in the period, and how fast it was taken and fixed: overall, per
    /// person ("徐超 (顺丰)") and per employer. Absent when the communities have no part-time workers and none reported.
    public struct PartTimeSection: Sendable, Codable, Equatable {
        /// Active part-time workers of the communities covered.
        public var workers: Int
        public var overall: SLAFigures
        public var people: [SLAFigures]
        public var employers: [SLAFigures]
    }

    /// One community of the street, side by side with the others: its figures and its plaques' health.
    public struct CommunityItem: Sendable, Codable, Equatable {
        public var id: Int64
        public var name: String
        public var figures: SLAFigures
        public var points: Int
        public var pointsWithoutScans: Int
        public var pointsNotVerified: Int

        enum CodingKeys: String, CodingKey {
            case id, name, figures, points
            case pointsWithoutScans = "points_without_scans"
            case pointsNotVerified = "points_not_verified"
        }
    }

    /// The community's name; the street's (or "all communities") when the report covers several.
    public var community: String
    /// The communities side by side, when the report covers more than one; empty otherwise.
    public var communities: [CommunityItem]
    public var from: String
    public var to: String
    public var generatedAt: Date
    public var by: SLAGrouping?
    public var overall: SLAFigures
    public var groups: [SLAFigures]
    public var excludedRejected: Int
    public var daily: [Day]
    public var ackHistogram: [Bucket]
    public var breaches: [BreachItem]
    public var departments: [DepartmentItem]
    public var plaques: [PlaqueItem]
    /// Active points nobody scanned in the period: a plaque damaged, hidden or gone.
    public var pointsWithoutScans: [String]
    /// Active points never verified on patrol, or not in the last 90 days.
    public var pointsNotVerified: [String]
    public var partTime: PartTimeSection?

    enum CodingKeys: String, CodingKey {
        case community, communities, from, to, by, overall, groups, daily, breaches, departments, plaques
        case generatedAt = "generated_at"
        case excludedRejected = "excluded_rejected"
        case ackHistogram = "ack_histogram"
        case pointsWithoutScans = "points_without_scans"
        case pointsNotVerified = "points_not_verified"
        case partTime = "part_time"
    }
}

extension AppDatabase {
    /// The SLA report for local days `from`…`to` (inclusive, `YYYYMMDD`) of `communities` (nil: every community).
    public func slaReport(
        from: String, to: String, by grouping: SLAGrouping?, communities: Set<Int64>? = nil, now: Date
    ) async throws -> SLAReport {
        try await read { tx in
            let snapshot = try snapshots.snapshot(tx)
            return try SLAQuery(
                tx: tx, from: Int(from) ?? 0, to: Int(to) ?? 0, now: now, communities: communities, snapshot: snapshot
            ).report(by: grouping)
        }
    }
}

/// The SQL behind the SLA report. Every aggregate reads the numeric SLA columns (`local_day`, `ack_seconds`, …).
struct SLAQuery {
    let tx: any SQLTransaction
    let from: Int
    let to: Int
    let now: Date
    /// The communities covered; nil for all of them.
    let communities: Set<Int64>?
    let snapshot: CommunitySnapshot

    /// Reports counted in promise figures: neither rejected nor duplicates (a duplicate rides on its original's clock).
    static let counted = "report.local_day BETWEEN ?1 AND ?2 AND report.status NOT IN ('rejected', 'duplicate')"

    /// `AND report.community_id IN (…)` when the report covers some communities only (ids are integers: no injection).
    func inCommunities(_ table: String = "report") -> String {
        communities.map { " AND \(table).community_id IN (\($0.sorted().map(String.init).joined(separator: ",")))" } ?? ""
    }

    /// The communities covered, by id.
    var covered: [CommunityInfo] {
        snapshot.communityList.filter { communities?.contains($0.id) ?? true }
    }

    /// The column the scan groups by. Grid and kind are read through the point in Swift, so the scan joins nothing.
    func scanColumn(_ grouping: SLAGrouping?) -> String? {
        switch grouping {
        case nil: nil
        case .grid, .kind, .point: "point_id"
        case .responder: "COALESCE(ack_by, '(not taken)')"
        case .category: "category"
        case .community: "community_id"
        }
    }

    /// Maps a SQL key to the grouping's group (a point to its grid or kind).
    func regroup(_ grouping: SLAGrouping?) throws -> (String) -> String {
        switch grouping {
        case .grid:
            let grids = Dictionary(try tx.fetchAll(Point.self, "SELECT * FROM point").map { ($0.id, $0.gridID) }, uniquingKeysWith: { a, _ in a })
            return { grids[$0] ?? $0 }
        case .kind:
            let kinds = Dictionary(try tx.fetchAll(Point.self, "SELECT * FROM point").map { ($0.id, $0.kind.rawValue) }, uniquingKeysWith: { a, _ in a })
            return { kinds[$0] ?? $0 }
        default:
            return { $0 }
        }
    }

    func report(by grouping: SLAGrouping?) throws -> SLAReport {
        let covered = self.covered
        let several = covered.count > 1
        let title = covered.count == 1 ? covered[0].name : snapshot.street?.name ?? (covered.isEmpty ? "" : "all communities")
        // One set of passes over the period: per group when grouped, and the overall row merged from the groups; per
        // community too (in the same pass) when several are covered.
        let scan = try SLAScan.run(
            tx, from: from, to: to, now: now, column: scanColumn(grouping), regroup: try regroup(grouping), communities: communities,
            byCommunity: several && grouping != .community)
        let (computed, ackOverall, resolveOverall) = figures(scan.groups, grouping: grouping)
        var overall =
            grouping == nil ? (computed.first ?? SLAFigures.empty("all", "all")) : Self.merge(computed, ack: ackOverall, resolve: resolveOverall)
        overall.label = title.isEmpty ? "all" : title
        var groups = grouping == nil ? [] : computed
        let daily = scan.daily.keys.sorted().map { SLAReport.Day(day: String($0), reports: scan.daily[$0]!.reports, kept: scan.daily[$0]!.kept) }
        let plaques = try plaques(reports: scan.perPoint)
        let stale = now.addingTimeInterval(-90 * 86400)
        let notVerified = plaques.filter { ($0.lastVerified ?? .distantPast) < stale }.map(\.point)
        let labels = try labels(grouping)
        for index in groups.indices { groups[index].label = labels[groups[index].group] ?? groups[index].group }

        var side: [SLAReport.CommunityItem] = []
        if several {
            // By community the groups are the communities already; otherwise the pass kept them apart.
            let byCommunity: [String: SLAFigures]
            if grouping == .community {
                byCommunity = Dictionary(groups.map { ($0.group, $0) }, uniquingKeysWith: { a, _ in a })
            } else {
                let totals = Dictionary(scan.communities.map { (String($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
                byCommunity = Dictionary(figures(totals, grouping: .community).0.map { ($0.group, $0) }, uniquingKeysWith: { a, _ in a })
            }
            let pointCommunity = Dictionary(snapshot.allPoints.map { ($0.id, $0.communityID) }, uniquingKeysWith: { a, _ in a })
            for community in covered {
                var figures = byCommunity[String(community.id)] ?? SLAFigures.empty(String(community.id), community.name)
                figures.label = community.name
                let own = plaques.filter { pointCommunity[$0.point] == community.id }
                side.append(
                    SLAReport.CommunityItem(
                        id: community.id, name: community.name, figures: figures, points: own.count,
                        pointsWithoutScans: own.filter { $0.scans == 0 }.count,
                        pointsNotVerified: own.filter { notVerified.contains($0.point) }.count))
            }
        }
        return SLAReport(
            community: title, communities: side, from: String(from), to: String(to), generatedAt: now, by: grouping, overall: overall,
            groups: groups,
            excludedRejected: scan.rejected,
            daily: daily, ackHistogram: Self.histogram(ackOverall), breaches: try breaches(), departments: try departments(),
            plaques: plaques, pointsWithoutScans: plaques.filter { $0.scans == 0 }.map(\.point), pointsNotVerified: notVerified,
            partTime: try partTime())
    }

    /// Reports found by part-time grid workers, added up per person and per employer by the same rules as every figure.
    /// They are a few of the period's reports: read by the partial index `report_found_by` and counted here, alike on
    /// both backends.
    func partTime() throws -> SLAReport.PartTimeSection? {
        let workers = snapshot.roster.responders.values.filter {
            $0.role == .partTime && $0.active && (communities == nil || communities!.contains($0.communityID ?? 0))
        }
        let rows = try tx.fetchAll(
            """
            SELECT found_by, status, promise_seconds, ack_seconds, resolve_seconds, rating, whistled_at, created_at FROM report
            WHERE found_by IS NOT NULL AND local_day BETWEEN ?1 AND ?2\(inCommunities())
            """, [from, to])
        guard !workers.isEmpty || !rows.isEmpty else { return nil }
        var people: [String: SLAScan.Totals] = [:]
        for row in rows {
            let status = try row.get("status", as: String.self)
            if status == "rejected" { continue }
            let finder = try row.get("found_by", as: String.self)
            if status == "duplicate" {
                people[finder, default: SLAScan.Totals()].duplicates += 1
                continue
            }
            people[finder, default: SLAScan.Totals()].count(
                status: status, promise: try row.get("promise_seconds", as: Int.self), ack: try row.optional("ack_seconds", as: Int.self),
                resolve: try row.optional("resolve_seconds", as: Int.self), rating: try row.optional("rating", as: Int.self),
                whistled: try row.optional("whistled_at", as: Date.self) != nil, createdAt: try row.get("created_at", as: Date.self), now: now)
        }
        // Workers who found nothing yet are listed too: the office thanks the ones who report and asks after the others.
        for worker in workers where people[worker.id] == nil { people[worker.id] = SLAScan.Totals() }
        let roster = snapshot.roster.responders
        var employers: [String: SLAScan.Totals] = [:]
        for (id, totals) in people {
            let employer = roster[id]?.employer ?? "(none)"
            if employers[employer] == nil { employers[employer] = totals } else { employers[employer]!.add(totals) }
        }
        var (perPerson, ack, resolve) = figures(people, grouping: .responder)
        for index in perPerson.indices {
            let id = perPerson[index].group
            perPerson[index].label = roster[id].map { $0.name + ($0.employer.map { " (\($0))" } ?? "") } ?? id
        }
        var overall = Self.merge(perPerson, ack: ack, resolve: resolve)
        overall.group = "part_time"
        overall.label = "part-time grid workers"
        return SLAReport.PartTimeSection(
            workers: workers.count, overall: overall, people: perPerson, employers: figures(employers, grouping: .responder).0)
    }

    /// The figures of each group from the scan's totals, and the distributions over all groups (for the overall
    /// row and the histogram). Percentiles are exact to the second (to the minute for time to fix).
    func figures(_ groups: [String: SLAScan.Totals], grouping: SLAGrouping?) -> ([SLAFigures], [(Int, Int)], [(Int, Int)]) {
        func sorted(_ histogram: SLAScan.Histogram) -> [(Int, Int)] { histogram.sorted }
        var result = groups.map { group, t -> SLAFigures in
            let ack = sorted(t.ack)
            let resolve = sorted(t.resolve)
            return SLAFigures(
                group: group, label: group, reports: t.reports, kept: t.kept, keptPercent: Self.percent(t.kept, t.reports),
                acknowledged: t.acked, ackP50: Self.percentile(ack, 0.5), ackP90: Self.percentile(ack, 0.9), ackMax: t.ackMax,
                breaches: t.breaches, whistled: t.whistled, resolved: t.resolved, resolvedPercent: Self.percent(t.resolved, t.reports),
                resolveP50: Self.percentile(resolve, 0.5), resolveP90: Self.percentile(resolve, 0.9), openNow: t.open,
                ratingAverage: t.ratings == 0 ? nil : (Double(t.ratingSum) / Double(t.ratings) * 10).rounded() / 10, ratings: t.ratings,
                duplicates: t.duplicates)
        }
        if grouping == nil, result.isEmpty { result = [SLAFigures.empty("all", "all")] }
        return (
            result.sorted { $0.group < $1.group }, Self.merged(groups.values.map { sorted($0.ack) }),
            Self.merged(groups.values.map { sorted($0.resolve) })
        )
    }

    /// The nearest-rank percentile of a sorted (value, count) list.
    static func percentile(_ counts: [(Int, Int)]?, _ p: Double) -> Int? {
        guard let counts, !counts.isEmpty else { return nil }
        let total = counts.reduce(0) { $0 + $1.1 }
        let rank = max(1, Int((p * Double(total)).rounded(.up)))
        var seen = 0
        for (value, count) in counts {
            seen += count
            if seen >= rank { return value }
        }
        return counts.last?.0
    }

    static func percent(_ part: Int, _ whole: Int) -> Double? {
        whole == 0 ? nil : (Double(part) * 1000 / Double(whole)).rounded() / 10
    }

    func labels(_ grouping: SLAGrouping?) throws -> [String: String] {
        switch grouping {
        case .grid: try Dictionary(tx.fetchAll(Grid.self, "SELECT * FROM grid").map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        case .point: try Dictionary(tx.fetchAll(Point.self, "SELECT * FROM point").map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        case .responder: try Dictionary(tx.fetchAll(Responder.self, "SELECT * FROM responder").map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        case .category:
            // Communities keep their own categories; an id shared with different labels shows the first community's.
            Dictionary(covered.flatMap(\.categories).map { ($0.id, $0.label) }, uniquingKeysWith: { a, _ in a })
        case .community: Dictionary(snapshot.communityList.map { (String($0.id), $0.name) }, uniquingKeysWith: { a, _ in a })
        case .kind, nil: [:]
        }
    }

    /// Minutes to acknowledge, 0 … 14 and "15 or more", from the per-second distribution.
    static func histogram(_ distribution: [(Int, Int)]) -> [SLAReport.Bucket] {
        var buckets = (0...15).map { SLAReport.Bucket(minute: $0, count: 0) }
        for (seconds, count) in distribution { buckets[min(15, max(0, seconds / 60))].count += count }
        return buckets
    }

    /// Several (value, count) distributions as one, sorted by value.
    static func merged(_ distributions: some Sequence<[(Int, Int)]>) -> [(Int, Int)] {
        var merged: [Int: Int] = [:]
        for distribution in distributions { for (value, count) in distribution { merged[value, default: 0] += count } }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The whole period's row from its groups: sums, a weighted average rating, percentiles from the merged distributions.
    static func merge(_ groups: [SLAFigures], ack: [(Int, Int)], resolve: [(Int, Int)]) -> SLAFigures {
        var all = SLAFigures.empty("all", "all")
        var ratingSum = 0.0
        for group in groups {
            all.reports += group.reports
            all.kept += group.kept
            all.acknowledged += group.acknowledged
            all.breaches += group.breaches
            all.whistled += group.whistled
            all.resolved += group.resolved
            all.openNow += group.openNow
            all.ratings += group.ratings
            all.duplicates += group.duplicates
            ratingSum += (group.ratingAverage ?? 0) * Double(group.ratings)
            if let max = group.ackMax { all.ackMax = Swift.max(all.ackMax ?? 0, max) }
        }
        all.keptPercent = percent(all.kept, all.reports)
        all.resolvedPercent = percent(all.resolved, all.reports)
        all.ackP50 = percentile(ack, 0.5)
        all.ackP90 = percentile(ack, 0.9)
        all.resolveP50 = percentile(resolve, 0.5)
        all.resolveP90 = percentile(resolve, 0.9)
        all.ratingAverage = all.ratings == 0 ? nil : (ratingSum / Double(all.ratings) * 10).rounded() / 10
        return all
    }

    func breaches(limit: Int = 500) throws -> [SLAReport.BreachItem] {
        let sqlite = tx.dialect == .sqlite
        let rows = try tx.fetchAll(
            """
            SELECT report.id, report.number, point.name, report.created_at, report.ack_seconds, report.promise_seconds,
                report.community_id
            FROM report\(sqlite ? " INDEXED BY report_late" : "") JOIN point ON point.id = report.point_id
            WHERE (ack_seconds IS NULL OR ack_seconds > promise_seconds) AND \(Self.counted)\(inCommunities()) AND CASE WHEN ack_seconds IS NOT NULL THEN ack_seconds > promise_seconds
                ELSE \(sqlite ? "(julianday(?3) - julianday(report.created_at)) * 86400" : "EXTRACT(EPOCH FROM (?3 - report.created_at))") > promise_seconds END
            ORDER BY report.created_at LIMIT \(limit)
            """, [from, to, now])
        let several = covered.count > 1
        // Who was paged at each step, for all the listed reports in one statement: one per report was 500 round trips
        // to a PostgreSQL server.
        var steps: [Int64: [Int: [String]]] = [:]
        let ids = try rows.map { try $0.get("id", as: Int64.self) }
        if !ids.isEmpty {
            let events = try tx.fetchAll(
                Event.self,
                "SELECT * FROM event WHERE kind = 'notified' AND report_id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
                SQLArguments(ids.map { .integer($0) }))
            for event in events {
                guard let report = event.reportID, let step = event.detail["step"].flatMap(Int.init), let responder = event.detail["responder"]
                else { continue }
                if !(steps[report]?[step]?.contains(responder) ?? false) { steps[report, default: [:]][step, default: []].append(responder) }
            }
        }
        return try rows.map { row in
            let created = try row.get("created_at", as: Date.self)
            let promise = try row.get("promise_seconds", as: Int.self)
            let ack = try row.optional("ack_seconds", as: Int.self)
            let late = (ack ?? Int(now.timeIntervalSince(created))) - promise
            let steps = steps[try row.get("id", as: Int64.self)] ?? [:]
            return SLAReport.BreachItem(
                number: try row.get("number"), point: try row.get("name"),
                community: several ? snapshot.communities[try row.get("community_id", as: Int64.self)]?.name : nil, createdAt: created,
                lateSeconds: late, taken: ack != nil,
                notified: steps.keys.sorted().map { "\($0): " + steps[$0]!.joined(separator: ", ") })
        }
    }

    func departments() throws -> [SLAReport.DepartmentItem] {
        let sqlite = tx.dialect == .sqlite
        if !sqlite {
            // PostgreSQL adds them up itself rather than sending every whistled report over the network. Its
            // `percentile_disc` is the nearest rank, as `percentile` is.
            return try tx.fetchAll(
                """
                SELECT whistled.id, responder.name, whistled.n, whistled.reported_in, whistled.p50, whistled.most FROM (
                    SELECT whistled_to AS id, COUNT(*) AS n, COUNT(s) AS reported_in, percentile_disc(0.5) WITHIN GROUP (ORDER BY s) AS p50,
                        MAX(s) AS most
                    FROM (SELECT whistled_to, ROUND(EXTRACT(EPOCH FROM (reported_in_at - whistled_at)))::bigint AS s FROM report
                        WHERE whistled_at IS NOT NULL AND \(Self.counted)\(inCommunities())) AS report
                    GROUP BY whistled_to
                ) AS whistled JOIN responder ON responder.id = whistled.id
                """, [from, to]
            ).map { row in
                SLAReport.DepartmentItem(
                    id: try row.get("id"), name: try row.get("name"), whistled: try row.get("n"), reportedIn: try row.get("reported_in"),
                    reportInP50: try row.optional("p50"), reportInMax: try row.optional("most"))
            }.sorted { $0.id < $1.id }  // as SQLite's list is, whatever the database's collation
        }
        let seconds =
            sqlite
            ? "CAST(ROUND((julianday(reported_in_at) - julianday(whistled_at)) * 86400) AS INTEGER)"
            : "ROUND(EXTRACT(EPOCH FROM (reported_in_at - whistled_at)))::bigint"
        let rows = try tx.fetchAll(
            """
            SELECT report.whistled_to AS id, responder.name AS name, \(seconds) AS s
            FROM report\(sqlite ? " INDEXED BY report_whistled" : "") JOIN responder ON responder.id = report.whistled_to
            WHERE whistled_at IS NOT NULL AND \(Self.counted)\(inCommunities()) ORDER BY id, s
            """, [from, to])
        var items: [String: (name: String, whistled: Int, times: [Int])] = [:]
        for row in rows {
            let id = try row.get("id", as: String.self)
            if items[id] == nil { items[id] = (try row.get("name"), 0, []) }
            // In place: copying the entry out and back would copy its growing array on every row.
            items[id]!.whistled += 1
            if let seconds = try row.optional("s", as: Int.self) { items[id]!.times.append(seconds) }
        }
        return items.keys.sorted().map { id in
            let item = items[id]!
            let times = item.times.sorted()
            return SLAReport.DepartmentItem(
                id: id, name: item.name, whistled: item.whistled, reportedIn: times.count,
                reportInP50: Self.percentile(times.map { ($0, 1) }, 0.5), reportInMax: times.last)
        }
    }

    func plaques(reports: [String: Int]) throws -> [SLAReport.PlaqueItem] {
        try tx.fetchAll(
            """
            SELECT point.id, point.name,
                (SELECT COALESCE(SUM(count), 0) FROM scan_count WHERE point_id = point.id AND CAST(day AS INTEGER) BETWEEN ?1 AND ?2) AS scans,
                (SELECT MAX(at) FROM event WHERE event.point_id = point.id AND kind = 'verified') AS verified
            FROM point WHERE point.active AND point.kind <> 'grid'\(inCommunities("point")) ORDER BY point.id
            """, [from, to]
        ).map { row in
            let id = try row.get("id", as: String.self)
            let scans = try row.get("scans", as: Int.self)
            let count = reports[id] ?? 0
            return SLAReport.PlaqueItem(
                point: id, name: try row.get("name"), scans: scans, reports: count,
                reportsPerScan: scans == 0 ? nil : (Double(count) * 100 / Double(scans)).rounded() / 100,
                lastVerified: try row.optional("verified", as: Date.self))
        }
    }
}

extension SLAFigures {
    static func empty(_ group: String, _ label: String) -> SLAFigures {
        SLAFigures(
            group: group, label: label, reports: 0, kept: 0, keptPercent: nil, acknowledged: 0, ackP50: nil, ackP90: nil, ackMax: nil,
            breaches: 0, whistled: 0, resolved: 0, resolvedPercent: nil, resolveP50: nil, resolveP90: nil, openNow: 0, ratingAverage: nil,
            ratings: 0, duplicates: 0)
    }
}
