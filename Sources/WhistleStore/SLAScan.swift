import Foundation
import GRDB
import GRDBSQLite

/// One pass over a period's reports, read with SQLite's C API from the covering index `report_sla`:
/// every sum, both per-second distributions, the daily series and the reports per point come out of it.
///
/// Why not SQL aggregates: each `GROUP BY` over a year of reports sorts a million rows in a temporary
/// B-tree, and the report needs several of them; reading the narrow index once and adding up in Swift
/// is several times faster (see BENCHMARKS.md).
struct SLAScan {
    /// Running totals of one group.
    struct Totals {
        var reports = 0
        var kept = 0
        var acked = 0
        var ackMax: Int?
        var breaches = 0
        var whistled = 0
        var resolved = 0
        var open = 0
        var ratingSum = 0
        var ratings = 0
        var duplicates = 0
        /// Seconds to acknowledge → count; a flat array for the usual range, a dictionary past it.
        var ack = Histogram(limit: 4 * 3600)
        /// Minutes to fix (in seconds, a multiple of 60) → count; kept per minute, so 60 days are 86,400 slots, not
        /// 5 million (adding one group's distribution to another walks them all).
        var resolve = Histogram(limit: 60 * 86400, unit: 60)

        /// Adds one counted report (neither rejected nor a duplicate), read as values: the rules of `add(row:…)` below.
        mutating func count(
            status: String, promise: Int, ack: Int?, resolve: Int?, rating: Int?, whistled: Bool, createdAt: Date, now: Date
        ) {
            reports += 1
            if let ack {
                acked += 1
                if ack <= promise { kept += 1 } else { breaches += 1 }
                ackMax = max(ackMax ?? 0, ack)
                self.ack.add(ack)
            } else if now.timeIntervalSince(createdAt) > Double(promise) {
                breaches += 1
            }
            if let resolve {
                resolved += 1
                self.resolve.add(resolve / 60 * 60)
            }
            if let rating {
                ratingSum += rating
                ratings += 1
            }
            if whistled { self.whistled += 1 }
            if ["open", "acknowledged", "whistled"].contains(status) { open += 1 }
        }

        mutating func add(_ other: Totals) {
            reports += other.reports
            kept += other.kept
            acked += other.acked
            if let otherMax = other.ackMax { ackMax = max(ackMax ?? 0, otherMax) }
            breaches += other.breaches
            whistled += other.whistled
            resolved += other.resolved
            open += other.open
            ratingSum += other.ratingSum
            ratings += other.ratings
            duplicates += other.duplicates
            ack.add(other.ack)
            resolve.add(other.resolve)
        }
    }

    /// Counts by non-negative integer value: an array up to `limit` (in slots of `unit`: values are multiples of it),
    /// a dictionary for the rare larger values.
    struct Histogram {
        var counts: [Int]
        var overflow: [Int: Int] = [:]
        let limit: Int
        let unit: Int

        init(limit: Int, unit: Int = 1) {
            self.limit = limit / unit
            self.unit = unit
            counts = []
        }

        @inline(__always)
        mutating func add(_ value: Int, count: Int = 1) {
            let slot = value / unit
            guard value >= 0, slot < limit else {
                overflow[value, default: 0] += count
                return
            }
            if slot >= counts.count { counts.append(contentsOf: repeatElement(0, count: slot - counts.count + 1)) }
            counts[slot] += count
        }

        mutating func add(_ other: Histogram) {
            if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
            for (value, count) in other.counts.enumerated() where count > 0 { counts[value] += count }
            for (value, count) in other.overflow { overflow[value, default: 0] += count }
        }

        /// (value, count) pairs, sorted by value.
        var sorted: [(Int, Int)] {
            var result: [(Int, Int)] = []
            for (slot, count) in counts.enumerated() where count > 0 { result.append((slot * unit, count)) }
            result += overflow.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return result
        }
    }

    var groups: [String: Totals] = [:]
    /// The same reports by community (filled when asked for: the street's side-by-side table).
    var communities: [Int64: Totals] = [:]
    var daily: [Int: (reports: Int, kept: Int)] = [:]
    /// Rejected reports of the period: left out of every figure, and counted so the report can say how many.
    var rejected = 0
    var perPoint: [String: Int] = [:]

    /// The scan on either backend: SQLite's index read row by row (below), or PostgreSQL's aggregates (`aggregated`).
    static func run(
        _ tx: any SQLTransaction, from: Int, to: Int, now: Date, column: String?, regroup: (String) -> String, communities: Set<Int64>? = nil,
        byCommunity: Bool = false
    ) throws -> SLAScan {
        if let grdb = tx as? GRDBTransaction {
            return try run(grdb.db, from: from, to: to, now: now, column: column, regroup: regroup, communities: communities, byCommunity: byCommunity)
        }
        return try aggregated(tx, from: from, to: to, now: now, column: column, regroup: regroup, communities: communities, byCommunity: byCommunity)
    }

    /// Reads reports of local days `from`…`to` (rejected ones only counted) of `communities` (nil: all), grouped by
    /// `column`'s value mapped through `regroup`, and also by community when `byCommunity`: totals are kept per
    /// (community, group) pair, so both tables come out of one pass at the cost of one small lookup per row.
    static func run(
        _ db: Database, from: Int, to: Int, now: Date, column: String?, regroup: (String) -> String, communities: Set<Int64>? = nil,
        byCommunity: Bool = false
    ) throws -> SLAScan {
        let inCommunities = communities.map { "AND community_id IN (\($0.sorted().map(String.init).joined(separator: ",")))" } ?? ""
        let statement = try db.makeStatement(
            sql: """
                SELECT local_day, status, point_id, \(column ?? "'all'"), promise_seconds, ack_seconds, resolve_seconds, rating,
                    whistled_at IS NOT NULL,
                    CASE WHEN ack_seconds IS NULL THEN (julianday(?3) - julianday(created_at)) * 86400 END,
                    community_id
                FROM report INDEXED BY report_sla
                WHERE local_day BETWEEN ?1 AND ?2 \(inCommunities)
                """)
        try statement.setArguments([from, to, now])
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }

        var points = Interner()
        var keys = Interner()
        var pointNames: [String] = []
        // groupOfKey[community index][key] → index into totals; one row of it per community seen.
        var groupOfKey: [[Int]] = [[]]
        var communityIDs: [Int64] = []
        var lastCommunity = (id: Int64.min, index: 0)
        var totals: [Totals] = []
        var totalsCommunity: [Int] = []
        var totalsGroup: [Int] = []
        var groupNames: [String] = []
        var groupIndex: [String: Int] = [:]
        var pairIndex: [Int: Int] = [:]
        var pointCounts: [Int] = []
        var scan = SLAScan()
        var currentDay = -1
        var current = (reports: 0, kept: 0)

        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }

            // Statuses differ in their first letter (open, acknowledged, whistled, closed, duplicate), but for the two
            // that begin with r: resolved and rejected differ in their third. Rejected reports are counted here rather
            // than by a second pass over the index, and left out of everything else.
            let statusText = sqlite3_column_text(raw, 1)
            let status = statusText.map { $0[0] } ?? 0
            if status == UInt8(ascii: "r"), sqlite3_column_bytes(raw, 1) > 2, statusText?[2] == UInt8(ascii: "j") {
                scan.rejected += 1
                continue
            }
            let point = points.id(raw, column: 2)
            if point == pointNames.count {
                pointNames.append(points.string(point))
                pointCounts.append(0)
            }
            pointCounts[point] += 1
            var community = 0
            if byCommunity {
                let id = sqlite3_column_int64(raw, 10)
                if id != lastCommunity.id {
                    if let found = communityIDs.firstIndex(of: id) {
                        lastCommunity = (id, found)
                    } else {
                        communityIDs.append(id)
                        lastCommunity = (id, communityIDs.count - 1)
                        if groupOfKey.count < communityIDs.count { groupOfKey.append([]) }
                    }
                }
                community = lastCommunity.index
            }
            let key = column == nil ? 0 : keys.id(raw, column: 3)
            if column == nil && keys.isEmpty { _ = keys.id(raw, column: 3) }
            while key >= groupOfKey[community].count {
                let name = regroup(keys.string(groupOfKey[community].count))
                let named: Int
                if let existing = groupIndex[name] {
                    named = existing
                } else {
                    named = groupNames.count
                    groupIndex[name] = named
                    groupNames.append(name)
                }
                let pair = named &* 4096 &+ community
                if let existing = pairIndex[pair] {
                    groupOfKey[community].append(existing)
                } else {
                    pairIndex[pair] = totals.count
                    groupOfKey[community].append(totals.count)
                    totals.append(Totals())
                    totalsCommunity.append(community)
                    totalsGroup.append(named)
                }
            }
            let group = groupOfKey[community][key]
            if status == UInt8(ascii: "d") {
                totals[group].duplicates += 1
                continue
            }
            let day = Int(sqlite3_column_int64(raw, 0))
            let promise = Int(sqlite3_column_int64(raw, 4))
            // In place: a copy of the totals would copy their dictionaries on every row.
            let kept = Self.add(row: raw, status: status, promise: promise, to: &totals[group])
            // Rows come in day order (the index's first column): count a day's reports, then store them once.
            if day != currentDay {
                if currentDay >= 0 { scan.daily[currentDay] = current }
                currentDay = day
                current = scan.daily[day] ?? (0, 0)
            }
            current.reports += 1
            if kept { current.kept += 1 }
        }
        if currentDay >= 0 { scan.daily[currentDay] = current }
        // Pairs add up into groups and communities; a group or community of one pair takes it as it is (no copy of
        // its histograms).
        func collect<Key: Hashable>(_ key: Key, _ group: Totals, into table: inout [Key: Totals]) {
            if table[key] == nil { table[key] = group } else { table[key]!.add(group) }
        }
        for (index, group) in totals.enumerated() {
            collect(groupNames[totalsGroup[index]], group, into: &scan.groups)
            if byCommunity { collect(communityIDs[totalsCommunity[index]], group, into: &scan.communities) }
        }
        for (index, name) in pointNames.enumerated() { scan.perPoint[name] = pointCounts[index] }
        return scan
    }
}

extension SLAScan {
    /// Adds one counted (not duplicate) report to `t`; returns whether it was taken within the promise.
    @inline(__always)
    static func add(row raw: OpaquePointer, status: UInt8, promise: Int, to t: inout Totals) -> Bool {
        t.reports += 1
        let kept: Bool
        if sqlite3_column_type(raw, 5) != SQLITE_NULL {
            let ack = Int(sqlite3_column_int64(raw, 5))
            t.acked += 1
            kept = ack <= promise
            if !kept { t.breaches += 1 }
            t.ackMax = max(t.ackMax ?? 0, ack)
            t.ack.add(ack)
        } else {
            kept = false
            if sqlite3_column_double(raw, 9) > Double(promise) { t.breaches += 1 }
        }
        if kept { t.kept += 1 }
        if sqlite3_column_type(raw, 6) != SQLITE_NULL {
            t.resolved += 1
            // Fixing takes hours: minute resolution keeps the distribution small.
            t.resolve.add(Int(sqlite3_column_int64(raw, 6)) / 60 * 60)
        }
        if sqlite3_column_type(raw, 7) != SQLITE_NULL {
            t.ratingSum += Int(sqlite3_column_int64(raw, 7))
            t.ratings += 1
        }
        if sqlite3_column_int64(raw, 8) != 0 { t.whistled += 1 }
        if status == UInt8(ascii: "o") || status == UInt8(ascii: "a") || status == UInt8(ascii: "w") { t.open += 1 }
        return kept
    }
}

/// Small integer ids for the few distinct texts of a column, looked up without making a String per row.
private struct Interner {
    private var table: [Int: [(bytes: [UInt8], id: Int)]] = [:]
    private var strings: [String] = []
    private var last: (bytes: [UInt8], id: Int)?

    mutating func id(_ statement: OpaquePointer, column: Int32) -> Int {
        let length = Int(sqlite3_column_bytes(statement, column))
        guard let text = sqlite3_column_text(statement, column) else { return intern([], hash: 0) }
        // Neighbouring rows in the index often repeat a value: check the last one before hashing.
        if let last, last.bytes.count == length, last.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text, length) == 0 }) {
            return last.id
        }
        let found = lookup(text, length)
        last = (Array(UnsafeBufferPointer(start: text, count: length)), found)
        return found
    }

    private mutating func lookup(_ text: UnsafePointer<UInt8>, _ length: Int) -> Int {
        // FNV-1a over the bytes.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in 0..<length { hash = (hash ^ UInt64(text[index])) &* 0x100_0000_01b3 }
        let key = Int(truncatingIfNeeded: hash)
        if let bucket = table[key] {
            for entry in bucket where entry.bytes.count == length && entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text, length) == 0 }) {
                return entry.id
            }
        }
        return intern(Array(UnsafeBufferPointer(start: text, count: length)), hash: key)
    }

    private mutating func intern(_ bytes: [UInt8], hash: Int) -> Int {
        let id = strings.count
        strings.append(String(decoding: bytes, as: UTF8.self))
        table[hash, default: []].append((bytes, id))
        return id
    }

    func string(_ id: Int) -> String { strings[id] }

    var isEmpty: Bool { strings.isEmpty }
}

extension SLAScan {
    /// The same figures from PostgreSQL: rows cross the network one by one, so the server adds them up, in one
    /// statement of three plain `GROUP BY`s: the sums per (community, key, day, point, status), from which the totals,
    /// the days and the points are added up here, and each distribution per (community, key) as one text of
    /// `value:count` pairs (thousands of rows otherwise). The same counting rules as `add(row:…)`: the status-dependent
    /// ones are applied here, per group, instead of per row in SQL; `SLAParityTests` holds them equal.
    ///
    /// Why this shape (BENCHMARKS.md, a year of 1,000,000 reports): one `GROUPING SETS` scan computed every aggregate
    /// (13 sums) for every set, the distributions' too, and grouping sets never run in parallel: 4.7 s. Three plain
    /// aggregations, each split between parallel workers: 2.0 s. Grouping the sums by status as well, so that no row
    /// compares its status text a dozen times (an inlined `counted` flag is evaluated once per use): 1.1–1.5 s.
    /// Collecting the seconds as arrays in the one aggregation the sums need was no faster (`array_agg` cannot run in
    /// parallel before PostgreSQL 16), nor was one aggregation of both distributions over a `LATERAL` pair of rows.
    static func aggregated(
        _ tx: any SQLTransaction, from: Int, to: Int, now: Date, column: String?, regroup: (String) -> String, communities: Set<Int64>?,
        byCommunity: Bool
    ) throws -> SLAScan {
        let inCommunities = communities.map { "AND community_id IN (\($0.sorted().map(String.init).joined(separator: ",")))" } ?? ""
        // A year of a street is a million rows: with the default 4 MB a distribution's hash table spills to disk; JIT
        // compiling costs more than it saves; and the planner, underestimating the work, would leave a scan to one process.
        try tx.execute("SET LOCAL work_mem = '64MB'")
        try tx.execute("SET LOCAL jit = off")
        try tx.execute("SET LOCAL parallel_setup_cost = 0")
        try tx.execute("SET LOCAL parallel_tuple_cost = 0")
        // Without a grouping the key is a constant, left out of the hash keys.
        let key = column.map { "(\($0))::text" } ?? "'all'::text"
        // By community the rows are already grouped by the key (a cast of the number to text per row would cost
        // ~0.2 s a million rows: it is made once per group instead); by point (or grid, or kind, which are points
        // regrouped) the sums are too.
        let byKey = column.map { $0 == "community_id" ? "" : ", (\($0))::text" } ?? ""
        // Any other key (a category, a responder) crossed with days, points and statuses would be a hundred thousand
        // groups to send and read: its sums go by (community, key, status) and the days and points by their own
        // aggregation (part 3).
        let apart = column != nil && column != "community_id" && column != "point_id"
        let sumsBy = column == "point_id" ? "local_day, point_id" : apart ? "(\(column!))::text" : "local_day, point_id"
        let dayAndPoint = apart ? "NULL::int AS local_day, NULL::text AS point_id" : "local_day, point_id"
        let none = (0..<9).map { _ in "NULL" }.joined(separator: ", ")
        let counted = "status NOT IN ('rejected', 'duplicate')"
        let rows = try tx.fetchAll(
            """
            SELECT 0 AS part, community_id, \(key) AS key, \(dayAndPoint), status, NULL AS list, COUNT(*) AS n,
                COUNT(ack_seconds) AS acked, COALESCE(SUM((ack_seconds <= promise_seconds)::int), 0) AS kept,
                -- Not taken yet: late once the promise has passed. Timestamps, not EXTRACT(EPOCH …), which is numeric.
                SUM(CASE WHEN ack_seconds IS NOT NULL THEN (ack_seconds > promise_seconds)::int
                    ELSE (created_at + promise_seconds * interval '1 second' < $3)::int END) AS breaches,
                MAX(ack_seconds) AS ack_max, COUNT(resolve_seconds) AS resolved, COALESCE(SUM(rating), 0) AS rating_sum,
                COUNT(rating) AS ratings, COUNT(whistled_at) AS whistled
            FROM report WHERE local_day BETWEEN $1 AND $2 \(inCommunities)
            GROUP BY community_id, \(sumsBy), status
            UNION ALL\(apart ? """

                SELECT 3, community_id, NULL, local_day, point_id, status, NULL, COUNT(*),
                    NULL, COALESCE(SUM((ack_seconds <= promise_seconds)::int), 0), NULL, NULL, NULL, NULL, NULL, NULL
                FROM report WHERE local_day BETWEEN $1 AND $2 \(inCommunities)
                GROUP BY community_id, local_day, point_id, status
                UNION ALL
                """ : "")
            SELECT 1, community_id, key, NULL, NULL, NULL, string_agg(value::text || ':' || n::text, ','), \(none)
            FROM (SELECT community_id, \(key) AS key, ack_seconds AS value, COUNT(*) AS n FROM report
                WHERE local_day BETWEEN $1 AND $2 \(inCommunities) AND \(counted) AND ack_seconds IS NOT NULL
                GROUP BY community_id\(byKey), ack_seconds) AS ack
            GROUP BY community_id, key
            UNION ALL
            SELECT 2, community_id, key, NULL, NULL, NULL, string_agg(value::text || ':' || n::text, ','), \(none)
            FROM (SELECT community_id, \(key) AS key, resolve_seconds / 60 * 60 AS value, COUNT(*) AS n FROM report
                WHERE local_day BETWEEN $1 AND $2 \(inCommunities) AND \(counted) AND resolve_seconds IS NOT NULL
                GROUP BY community_id\(byKey), resolve_seconds / 60 * 60) AS resolve
            GROUP BY community_id, key
            """, [from, to, now])
        var scan = SLAScan()
        // Totals per (community, group name), added up as the SQLite scan does, then merged into groups and communities.
        // Kept in an array and changed in place: a dictionary's value changed through a subscript can be copied whole,
        // histograms and all, on every row.
        struct Pair: Hashable {
            var community: Int64
            var group: String
        }
        var index: [Pair: Int] = [:]
        var totals: [Totals] = []
        var names: [Pair] = []
        func pair(_ row: SQLRow) throws -> Int {
            let key = Pair(community: try row.get("community_id", as: Int64.self), group: regroup(try row.get("key", as: String.self)))
            if let found = index[key] { return found }
            index[key] = totals.count
            totals.append(Totals())
            names.append(key)
            return totals.count - 1
        }
        var daily: [Int: (reports: Int, kept: Int)] = [:]
        var perPoint: [String: Int] = [:]
        for row in rows {
            let part = try row.get("part", as: Int.self)
            if part == 3 {
                // The days and points alone (a key kept apart): as for part 0's rows below.
                let n = try row.get("n", as: Int.self)
                let status = try row.get("status", as: String.self)
                if status != "rejected" { perPoint[try row.get("point_id", as: String.self), default: 0] += n }
                if status != "rejected" && status != "duplicate" {
                    let day = try row.get("local_day", as: Int.self)
                    daily[day, default: (0, 0)].reports += n
                    daily[day, default: (0, 0)].kept += try row.get("kept", as: Int.self)
                }
                continue
            }
            let at = try pair(row)
            if part == 0 {
                let n = try row.get("n", as: Int.self)
                let status = try row.get("status", as: String.self)
                // Without a day and a point when the key is kept apart (part 3 brings them).
                if status != "rejected", let point = try row.optional("point_id", as: String.self) { perPoint[point, default: 0] += n }
                switch status {
                case "rejected": scan.rejected += n
                case "duplicate": totals[at].duplicates += n
                default:
                    // Counted: field by field, in place (a `Totals` per row would allocate two empty histograms each time).
                    let kept = try row.get("kept", as: Int.self)
                    totals[at].reports += n
                    totals[at].kept += kept
                    totals[at].acked += try row.get("acked", as: Int.self)
                    totals[at].breaches += try row.get("breaches", as: Int.self)
                    if let most = try row.optional("ack_max", as: Int.self) { totals[at].ackMax = max(totals[at].ackMax ?? 0, most) }
                    totals[at].resolved += try row.get("resolved", as: Int.self)
                    totals[at].ratingSum += try row.get("rating_sum", as: Int.self)
                    totals[at].ratings += try row.get("ratings", as: Int.self)
                    totals[at].whistled += try row.get("whistled", as: Int.self)
                    if ["open", "acknowledged", "whistled"].contains(status) { totals[at].open += n }
                    if let day = try row.optional("local_day", as: Int.self) {
                        daily[day, default: (0, 0)].reports += n
                        daily[day, default: (0, 0)].kept += kept
                    }
                }
            }
            guard let list = try row.optional("list", as: String.self) else { continue }
            for item in list.split(separator: ",") {
                let entry = item.split(separator: ":").compactMap { Int($0) }
                guard entry.count == 2 else { continue }
                if part == 1 { totals[at].ack.add(entry[0], count: entry[1]) } else { totals[at].resolve.add(entry[0], count: entry[1]) }
            }
        }
        // As the SQLite scan gives them: days with a counted report, points with a listed one.
        scan.daily = daily.filter { $0.value.reports > 0 }
        scan.perPoint = perPoint.filter { $0.value > 0 }
        for (at, key) in names.enumerated() {
            let group = totals[at]
            if scan.groups[key.group] == nil { scan.groups[key.group] = group } else { scan.groups[key.group]!.add(group) }
            if byCommunity {
                if scan.communities[key.community] == nil { scan.communities[key.community] = group } else { scan.communities[key.community]!.add(group) }
            }
        }
        return scan
    }
}
