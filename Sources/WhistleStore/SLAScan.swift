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
        /// Minutes to fix (in seconds, a multiple of 60) → count.
        var resolve = Histogram(limit: 60 * 86400)
    }

    /// Counts by non-negative integer value: an array up to `limit`, a dictionary for the rare larger values.
    struct Histogram {
        var counts: [Int]
        var overflow: [Int: Int] = [:]
        let limit: Int

        init(limit: Int) {
            self.limit = limit
            counts = []
        }

        @inline(__always)
        mutating func add(_ value: Int) {
            guard value >= 0, value < limit else {
                overflow[value, default: 0] += 1
                return
            }
            if value >= counts.count { counts.append(contentsOf: repeatElement(0, count: value - counts.count + 1)) }
            counts[value] += 1
        }

        /// (value, count) pairs, sorted by value.
        var sorted: [(Int, Int)] {
            var result: [(Int, Int)] = []
            for (value, count) in counts.enumerated() where count > 0 { result.append((value, count)) }
            result += overflow.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return result
        }
    }

    var groups: [String: Totals] = [:]
    var daily: [Int: (reports: Int, kept: Int)] = [:]
    var perPoint: [String: Int] = [:]

    /// Reads reports of local days `from`…`to` (rejected ones left out), grouped by `column`'s value mapped through `regroup`.
    static func run(
        _ db: Database, from: Int, to: Int, now: Date, column: String?, regroup: (String) -> String
    ) throws -> SLAScan {
        let statement = try db.makeStatement(
            sql: """
                SELECT local_day, status, point_id, \(column ?? "'all'"), promise_seconds, ack_seconds, resolve_seconds, rating,
                    whistled_at IS NOT NULL,
                    CASE WHEN ack_seconds IS NULL THEN (julianday(?3) - julianday(created_at)) * 86400 END
                FROM report INDEXED BY report_sla
                WHERE local_day BETWEEN ?1 AND ?2 AND status <> 'rejected'
                """)
        try statement.setArguments([from, to, now])
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }

        var points = Interner()
        var keys = Interner()
        var pointNames: [String] = []
        var groupOfKey: [Int] = []
        var totals: [Totals] = []
        var groupNames: [String] = []
        var groupIndex: [String: Int] = [:]
        var pointCounts: [Int] = []
        var scan = SLAScan()
        var currentDay = -1
        var current = (reports: 0, kept: 0)

        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }

            let point = points.id(raw, column: 2)
            if point == pointNames.count {
                pointNames.append(points.string(point))
                pointCounts.append(0)
            }
            pointCounts[point] += 1
            let key = column == nil ? 0 : keys.id(raw, column: 3)
            if column == nil && groupOfKey.isEmpty { _ = keys.id(raw, column: 3) }
            if key == groupOfKey.count {
                let name = regroup(keys.string(key))
                if let existing = groupIndex[name] {
                    groupOfKey.append(existing)
                } else {
                    groupIndex[name] = totals.count
                    groupOfKey.append(totals.count)
                    groupNames.append(name)
                    totals.append(Totals())
                }
            }
            let group = groupOfKey[key]
            // Statuses differ in their first letter: open, acknowledged, whistled, resolved, closed, duplicate.
            let status = sqlite3_column_text(raw, 1).map { $0[0] } ?? 0
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
        for (index, name) in groupNames.enumerated() { scan.groups[name] = totals[index] }
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
}
