import Foundation
import WhistleCore

extension AppDatabase {
    /// Fills the database with `count` synthetic reports over the last `days` days, for benchmarks and demos:
    /// most taken within minutes, some late, a few never; most fixed within hours; ratings, whistles, duplicates,
    /// rejections and daily scan counts in realistic proportions. Deterministic for a given `seed`.
    /// `untaken` is the share of reports nobody ever took (left open), 2 % unless given.
    public func seedHistory(reports count: Int, days: Int, now: Date, seed: UInt64 = 42, untaken: Double = 0.02) async throws -> Int {
        try await write { tx in
            // Every community of the street gets its share, by its points, with its own categories, promise and workers.
            let communities = Dictionary(try Self.communities(tx).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            guard !communities.isEmpty else { throw StoreError.notFound("community (run whistle import)") }
            let points = try tx.fetchAll(Point.self, "SELECT * FROM point WHERE active AND kind <> 'grid' ORDER BY id").filter { communities[$0.communityID] != nil }
            let responders = try tx.fetchAll(Responder.self, "SELECT * FROM responder ORDER BY id")
            let workersOf = Dictionary(grouping: responders.filter { $0.role == .gridWorker }, by: { $0.communityID ?? 0 }).mapValues { $0.map(\.id) }
            let departments = responders.filter { $0.role == .department || $0.role == .property }.map(\.id)
            guard !points.isEmpty, !workersOf.isEmpty else { throw StoreError.notFound("points and grid workers") }
            var random = seed
            func next() -> Double {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                return Double(random >> 11) / Double(1 << 53)
            }
            let start = now.addingTimeInterval(-Double(days) * 86400)
            // Rows go in batches of one multi-row INSERT: one round trip per batch on PostgreSQL.
            let batchSize = 400
            var batch: [SQLValue] = []
            func flush() throws {
                guard !batch.isEmpty else { return }
                let row = "(?, ?, ?, '合成记录', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'seed', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                try tx.execute(
                    """
                    INSERT INTO report (number, point_id, category, description, status, policy_id, created_at, ack_at, ack_by,
                        resolved_at, resolved_by, breached_at, rating, status_key_hash, whistled_to, whistled_at, reported_in_at,
                        local_day, promise_seconds, ack_seconds, resolve_seconds, promise_due_at, community_id)
                    VALUES \(Array(repeating: row, count: batch.count / 21).joined(separator: ", "))
                    """, SQLArguments(batch))
                batch.removeAll(keepingCapacity: true)
            }
            // Numbers go on from the day's last real report, so a seeded history can sit beside one.
            var sequence: [Int: Int] = [:]
            for row in try tx.fetchAll("SELECT day, last FROM report_day", []) {
                if let day = Int(try row.get("day", as: String.self)) { sequence[day] = try row.get("last") }
            }
            var inserted = 0
            // Arrival times first, in order: a real database grows in time order, and so should this one.
            var arrivals: [Date] = []
            arrivals.reserveCapacity(count)
            for _ in 0..<count {
                // Daytime-heavy arrivals: a resident reports when out and about.
                var created = start.addingTimeInterval(next() * Double(days) * 86400)
                if next() < 0.6 {
                    let (_, minute) = ShanghaiTime.weekdayAndMinute(created)
                    created = created.addingTimeInterval(Double((600 + Int(next() * 600)) - minute) * 60)
                }
                // Whole seconds: SQLite keeps milliseconds, PostgreSQL microseconds; the same seed is the same history on both.
                arrivals.append(Date(timeIntervalSince1970: created.timeIntervalSince1970.rounded()))
            }
            arrivals.sort()
            for created in arrivals {
                guard created < now else { continue }
                let day = Int(ShanghaiTime.dayStamp(created))!
                sequence[day, default: 0] += 1
                let number = ReportNumber.make(day: String(day), sequence: sequence[day]!)
                let point = points[Int(next() * Double(points.count))]
                let community = communities[point.communityID]!
                let promise = Int(community.policy.promiseSeconds)
                let workers = workersOf[point.communityID] ?? workersOf.values.first!
                let category = community.categories[Int(next() * Double(community.categories.count))].id
                let roll = next()
                var status = "resolved"
                var ackSeconds: Int?
                if roll < 0.01 {
                    status = "rejected"
                } else if roll < 0.04 {
                    status = "duplicate"
                } else {
                    let speed = next()
                    ackSeconds = speed < untaken ? nil : speed < untaken + 0.08 ? promise + Int(next() * 1800) : Int(20 + next() * Double(promise - 20))
                }
                let acked = ackSeconds.map { created.addingTimeInterval(Double($0)) }
                var resolveSeconds: Int?
                if let ackSeconds, next() < 0.93 {
                    resolveSeconds = ackSeconds + Int(600 + next() * next() * 3 * 86400)
                }
                let resolved = resolveSeconds.map { created.addingTimeInterval(Double($0)) }
                if ackSeconds == nil && status != "rejected" && status != "duplicate" { status = "open" }
                if ackSeconds != nil && resolveSeconds == nil { status = "acknowledged" }
                let resolvedAt = resolved.flatMap { $0 < now ? $0 : nil }
                if resolved != nil && resolvedAt == nil { status = "acknowledged" }
                var whistledTo: String?
                var whistledAt: Date?
                var reportedIn: Date?
                if let acked, !departments.isEmpty, next() < 0.08 {
                    whistledTo = departments[Int(next() * Double(departments.count))]
                    whistledAt = acked.addingTimeInterval(300)
                    reportedIn = whistledAt!.addingTimeInterval(60 + next() * 1200)
                }
                let worker = workers[Int(next() * Double(workers.count))]
                let breached = (ackSeconds ?? Int.max) > promise && status != "rejected" && status != "duplicate"
                let rating = resolvedAt != nil && next() < 0.6 ? Int(6 + next() * 5) : nil
                let values: SQLArguments = [
                    number, point.id, category, status, community.policyID, created, acked, ackSeconds == nil ? nil : worker,
                    resolvedAt, resolvedAt == nil ? nil : worker, breached ? created.addingTimeInterval(Double(promise)) : nil,
                    rating.map { min(10, $0) }, whistledTo, whistledAt, reportedIn, day, promise, ackSeconds,
                    resolvedAt == nil ? nil : resolveSeconds, status == "open" ? created.addingTimeInterval(Double(promise)) : nil,
                    point.communityID,
                ]
                batch += values.values
                if batch.count >= batchSize * 21 { try flush() }
                inserted += 1
            }
            try flush()
            let greatest = tx.dialect == .sqlite ? "MAX" : "GREATEST"
            for (day, last) in sequence {
                try tx.execute(
                    "INSERT INTO report_day (day, last) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET last = \(greatest)(report_day.last, excluded.last)",
                    [String(day), last])
            }
            // Scans: a few per report, and one plaque nobody scans (hidden behind a parked van).
            for dayOffset in 0..<days {
                let day = ShanghaiTime.dayStamp(now.addingTimeInterval(-Double(dayOffset) * 86400))
                for point in points.dropLast() {
                    try tx.execute(
                        """
                        INSERT INTO scan_count (point_id, day, count) VALUES (?, ?, ?)
                        ON CONFLICT (point_id, day) DO UPDATE SET count = scan_count.count + excluded.count
                        """, [point.id, day, Int(Double(count) / Double(days * points.count) * (2 + next() * 4)) + 1])
                }
            }
            // Fresh statistics, so the planner knows a year-long period is most of the table.
            try tx.execute("ANALYZE")
            return inserted
        }
    }
}
