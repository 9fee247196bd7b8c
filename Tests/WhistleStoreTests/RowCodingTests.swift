import Foundation
import GRDB
import Testing
import WhistleCore
@testable import WhistleStore
import WhistleTestSupport

/// The store's own row codec (for the SQL interface both backends share) reads what GRDB wrote and writes what GRDB
/// would: the same columns, the same stored text, so the port can go one operation at a time on one file.
@Suite("Row coding over the SQL interface", .enabled(if: TestBackend.isSQLite, "SQLite's own file, pragmas and GRDB's records"))
struct RowCodingTests {
    /// A report with every column filled, its timeline and outbox, written by the store as it is today (GRDB).
    private func history() async throws -> (AppDatabase, String) {
        let (database, _) = try await seeded()
        let created = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "下水道冒水 \"quoted\" 🚰", phone: "13800000009", statusKeyHash: "h"),
            at: local("2026-11-23T09:00:00").addingTimeInterval(0.123))
        let number = created.report.number
        try await database.acknowledge(number: number, by: "r-zhao", at: local("2026-11-23T09:02:30").addingTimeInterval(0.5))
        try await database.whistle(number: number, by: "r-zhao", to: "d-city", note: "路面塌陷 {json}", at: local("2026-11-23T09:03:00"))
        return (database, number)
    }

    @Test("every record GRDB wrote reads back equal through the codec")
    func reads() async throws {
        let (database, _) = try await history()
        try await database.writer.read { db in
            let tx = GRDBTransaction(db)
            func same<R: FetchableRecord & SQLRecord & Equatable>(_ type: R.Type) throws {
                let grdb = try R.fetchAll(db, sql: "SELECT * FROM \(R.table) ORDER BY rowid")
                let ours = try tx.fetchAll(R.self, "SELECT * FROM \(R.table) ORDER BY rowid")
                #expect(!grdb.isEmpty, "\(R.table) is empty")
                #expect(ours.count == grdb.count)
                for (a, b) in zip(grdb, ours) { #expect(columns(a) == columns(b), "\(R.table)") }
            }
            try same(Report.self)
            try same(Event.self)
            try same(OutboxEntry.self)
            try same(Responder.self)
            try same(Point.self)
            try same(Grid.self)
            try same(DutyShift.self)
        }
    }

    @Test("a record written through the codec is stored as GRDB stores it, text for text")
    func writes() async throws {
        let (database, _) = try await history()
        try await database.writer.write { db in
            let tx = GRDBTransaction(db)
            func stored(_ table: String, id: Int64) throws -> [String: String] {
                let row = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [id])!
                var out: [String: String] = [:]
                for (name, value) in row where name != "id" && name != "number" && name != "idem_key" { out[name] = "\(value)" }
                return out
            }
            // A report: GRDB's copy under another number, then the codec's.
            var report = try Report.fetchOne(db, sql: "SELECT * FROM report ORDER BY id LIMIT 1")!
            let original = report.id!
            report.id = nil
            report.number = "20261123-0901"
            try report.insert(db)
            let viaGRDB = report.id!
            report.number = "20261123-0902"
            report.id = nil
            let viaCodec = try #require(try tx.insert(report))
            #expect(try stored("report", id: viaGRDB) == stored("report", id: viaCodec))
            #expect(try stored("report", id: original).keys == stored("report", id: viaCodec).keys)
            // An event with a detail dictionary, and an outbox row with enums and dates.
            var event = try Event.fetchOne(db, sql: "SELECT * FROM event WHERE kind = 'whistled'")!
            event.id = nil
            try event.insert(db)
            let eventGRDB = event.id!
            event.id = nil
            let eventCodec = try #require(try tx.insert(event))
            #expect(try stored("event", id: eventGRDB) == stored("event", id: eventCodec))
            var entry = try OutboxEntry.fetchOne(db, sql: "SELECT * FROM outbox ORDER BY id LIMIT 1")!
            entry.id = nil
            entry.idemKey += "/grdb"
            try entry.insert(db)
            let entryGRDB = entry.id!
            entry.idemKey += "/codec"
            entry.id = nil
            let entryCodec = try #require(try tx.insert(entry))
            #expect(try stored("outbox", id: entryGRDB) == stored("outbox", id: entryCodec))
            // An update writes every column back unchanged.
            var again = try #require(try tx.fetch(Report.self, id: viaCodec))
            again.ackBy = "r-qian"
            #expect(try tx.update(again) == 1)
            #expect(try Report.fetchOne(db, key: viaCodec)?.ackBy == "r-qian")
            // A nil clears its column (Swift's default `encodeIfPresent` would leave the column out of the UPDATE).
            again.ackBy = nil
            #expect(try tx.update(again) == 1)
            #expect(try Report.fetchOne(db, key: viaCodec)?.ackBy == nil)
        }
    }

    @Test("a wrong or missing column is an error naming it")
    func errors() async throws {
        let (database, _) = try await seeded()
        try await database.read { tx in
            #expect(throws: SQLDecodingError.self) { try tx.fetchAll(Report.self, "SELECT 1 AS id, '20261123-0001' AS number") }
            do {
                _ = try tx.fetchOne(Grid.self, "SELECT 'g' AS id, 'x' AS name, 'not a number' AS community_id")
                Issue.record("decoded text as a community id")
            } catch let error as SQLDecodingError {
                #expect(error.column == "community_id")
            }
            #expect(try tx.value("SELECT COUNT(*) FROM point", as: Int.self) == 4)
            #expect(try tx.value("SELECT NULL", as: String.self) == nil)
        }
    }

    @Test("dates read as SQLite stores them, to the millisecond")
    func dates() {
        #expect(abs((SQLDate.parse("2026-11-23 01:00:00.123")?.timeIntervalSince1970 ?? 0) - 1_795_395_600.123) < 1e-6)
        #expect(SQLDate.parse("1970-01-01 00:00:00.000")?.timeIntervalSince1970 == 0)
        #expect(SQLDate.parse("2000-02-29T12:30:15Z")?.timeIntervalSince1970 == 951_827_415)
        #expect(SQLDate.parse("2026-11-23")?.timeIntervalSince1970 == 1_795_392_000)
        for bad in ["", "2026-11-23 1:00", "2026/11/23", "2026-11-23 01:00:00x", "yesterday"] { #expect(SQLDate.parse(bad) == nil, "\(bad)") }
    }
}

/// A record's columns with dates to the millisecond (SQLite keeps milliseconds; two parsers may differ below that).
private func columns<R: Encodable>(_ record: R) -> [String] {
    ((try? RowEncoding.encode(record)) ?? []).map { column in
        if case .date(let date) = column.value { return "\(column.name)=\((date.timeIntervalSince1970 * 1000).rounded())" }
        return "\(column.name)=\(column.value)"
    }
}
