import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// A database written by an earlier release must open in this one with every row it held intact.
///
/// `Tests/Fixtures/v8-history.sql` is a `sqlite3 .dump` of a history written through the store's own operations by
/// the code of schema v8 (reports taken, whistled, reported in, resolved, rated, reopened, rejected, duplicates, one
/// never taken; delivered and pending outbox rows; scans; a rotated code; an API token). It was frozen before the
/// street-office migration (#14) so that migration is tested against what deployed databases really hold. Regenerate it
/// only for a new freeze point: `WHISTLE_WRITE_FIXTURE=1 swift test --filter UpgradeTests.writeFixture`.
@Suite("Upgrades", .enabled(if: TestBackend.isSQLite, "SQLite's own file, pragmas and GRDB's records"))
struct UpgradeTests {
    static let tables = [
        "community", "policy", "responder", "api_token", "grid", "duty", "point", "retired_code", "report_day", "report", "event",
        "outbox", "scan_count", "server_secret", "form_nonce", "job",
    ]

    @Test("a database of schema v8 opens in this release with every row and column it held unchanged")
    func v8HistoryUpgrades() async throws {
        // Restore the dump as the old release left it, and read every row of every table, column by column.
        let path = try restoreV8()
        let before: [String: [[String: DatabaseValue]]] = try { try DatabaseQueue(path: path).read { db in try Self.rows(db) } }()
        #expect(try #require(before["report"]).count >= 7)
        #expect(try #require(before["outbox"]).count > 10)

        // This release opens it: migrations run, nothing is lost or changed in the columns that were there.
        let database = try AppDatabase.open(path: path)
        let after = try await database.writer.read { db in try Self.rows(db) }
        for table in Self.tables {
            let old = before[table] ?? []
            let new = after[table] ?? []
            #expect(old.count == new.count, "\(table): \(old.count) rows before, \(new.count) after")
            for (index, (row, upgraded)) in zip(old, new).enumerated() {
                for (column, value) in row where upgraded[column] != value {
                    Issue.record("\(table) row \(index) column \(column): \(value) became \(upgraded[column] ?? .null)")
                }
            }
        }
        let (integrity, foreignKeys) = try await database.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
        }
        #expect(integrity == "ok")
        #expect(foreignKeys == 0)
        // And it works: the history's figures come out, a new report is numbered after the old ones of its day.
        let created = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "road", description: "升级后", statusKeyHash: Secret.hash("k")),
            at: local("2026-11-24T20:00:00"))
        #expect(created.report.number == "20261124-0005")
    }

    @Test("the v8 database becomes a one-community street: community 1 everywhere, catalogue triggers on every table, the file still matches")
    func v8BecomesOneCommunity() async throws {
        let database = try AppDatabase.open(path: try restoreV8())
        try await database.writer.read { db in
            for table in ["grid", "point", "report", "responder"] {
                let others = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE community_id IS NOT 1") ?? -1
                #expect(others == 0, "\(table): \(others) rows outside community 1")
            }
            let triggers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_bumps_catalogue'")
            #expect(triggers == 24, "insert, update and delete on each of the eight catalogue tables")
        }
        // Every catalogue table still tells the cache that it changed (the rebuilt ones included).
        for (table, change) in [
            ("community", "UPDATE community SET name = name"), ("responder", "UPDATE responder SET name = name"),
            ("grid", "UPDATE grid SET name = name"), ("point", "UPDATE point SET name = name"), ("duty", "UPDATE duty SET days = days"),
            ("policy", "UPDATE policy SET created_at = created_at"), ("retired_code", "UPDATE retired_code SET retired_at = retired_at"),
            ("street", "INSERT INTO street (id, name, updated_at) VALUES (1, '街道', CURRENT_TIMESTAMP)"),
        ] {
            let (before, after) = try await database.writer.write { db in
                let before = try Int64.fetchOne(db, sql: "SELECT version FROM catalogue_version")
                try db.execute(sql: change)
                return (before, try Int64.fetchOne(db, sql: "SELECT version FROM catalogue_version"))
            }
            #expect(after != before, "a change to \(table) bumps the catalogue")
        }
        try await database.write { tx in try tx.execute("DELETE FROM street") }
        // The community file it was made from imports as "no changes" (it has no id: still the only community).
        let summary = try await database.importCommunity(try CommunityLoader.parse(try referenceYAML()))
        #expect(!summary.changed, "\(summary)")
        // Its history reads as community 1's: the SLA of community 1 equals the SLA of everything.
        let whole = try await database.slaReport(from: "20261123", to: "20261124", by: .grid, now: local("2026-11-25T00:00:00"))
        let one = try await database.slaReport(from: "20261123", to: "20261124", by: .grid, communities: [1], now: local("2026-11-25T00:00:00"))
        #expect(whole.overall == one.overall && whole.groups == one.groups && whole.overall.reports > 0)
    }

    /// A new file holding the frozen v8 dump exactly as the old release left it (no migration run on it yet).
    private func restoreV8() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("old.sqlite").path
        let dump = try String(contentsOf: fixture("v8-history.sql"), encoding: .utf8)
        try DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: dump) }
        return path
    }

    /// Every row of every table, by rowid, as column → value.
    static func rows(_ db: Database) throws -> [String: [[String: DatabaseValue]]] {
        var result: [String: [[String: DatabaseValue]]] = [:]
        for table in tables where try db.tableExists(table) {
            // By rowid; a WITHOUT ROWID table (scan_count) by its primary key.
            let key = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", arguments: [table])
                .map { $0["name"] as String }
            let withoutRowID = try Bool.fetchOne(db, sql: "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?", arguments: [table]) ?? false
            let order = withoutRowID ? key.joined(separator: ", ") : "rowid"
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
            result[table] = rows.map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as DatabaseValue) })
            }
        }
        return result
    }

    /// Writes the fixture from the current code; run only when freezing a new schema on purpose.
    @Test("write the upgrade fixture", .enabled(if: ProcessInfo.processInfo.environment["WHISTLE_WRITE_FIXTURE"] == "1"))
    func writeFixture() async throws {
        let database = try await slaHistory()
        // More of what deployed databases hold: a reopened report, a rotated code, an API token, a pending whistle.
        let r8 = try await database.createReport(
            ReportDraft(pointID: "station-service-centre", category: "water", description: "又漏了", phone: "13800000009",
                statusKeyHash: Secret.hash("r8"), formNonce: "fixture-nonce"),
            at: local("2026-11-24T14:00:00")).report.number
        try await database.acknowledge(number: r8, by: "r-qian", at: local("2026-11-24T14:03:00"))
        try await database.resolve(number: r8, by: "r-qian", note: "修好了", at: local("2026-11-24T15:00:00"))
        try await database.reopen(number: r8, by: "r-li", note: "又坏了", at: local("2026-11-24T16:00:00"))
        try await database.whistle(number: r8, by: "r-qian", to: "d-city", note: "管道", at: local("2026-11-24T16:05:00"))
        _ = try await database.rotateCode(pointID: "station-guard-north", at: local("2026-11-24T17:00:00"))
        _ = try await database.issueToken(responderID: "r-zhao")
        _ = try await database.serverKey(named: "form-token")
        let path = database.path
        try await database.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        dump.arguments = [path, ".dump"]
        let out = Pipe()
        dump.standardOutput = out
        try dump.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        dump.waitUntilExit()
        try data.write(to: fixture("v8-history.sql"))
    }

    private func fixture(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Tests/Fixtures/\(name)")
    }
}
