import Foundation
import GRDB
import Testing
import WhistleStore
import WhistleTestSupport

@Suite("Database file", .enabled(if: TestBackend.isSQLite, "SQLite's own file, pragmas and GRDB's records"))
struct DatabaseTests {
    @Test("opening a new file gives WAL and synchronous=FULL, on every open")
    func pragmas() async throws {
        let (database, path) = try await temporaryDatabase()
        let (mode, sync) = try database.pragmas()
        #expect(mode == "wal")
        #expect(sync == 2)
        let again = try AppDatabase.open(path: path)
        #expect(try again.pragmas().synchronous == 2)
    }

    @Test("migrations create the whole data model")
    func migrations() async throws {
        let (database, _) = try await temporaryDatabase()
        let tables = try await database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        }
        for table in ["community", "policy", "grid", "point", "retired_code", "responder", "api_token", "duty", "report", "report_day",
                      "event", "outbox", "scan_count", "login_link", "phone_session", "integration", "open311_request"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let reportColumns = try await database.writer.read { db in try db.columns(in: "report").map(\.name) }
        for column in ["number", "point_id", "category", "description", "photo_ids", "phone", "status", "duplicate_of", "created_at",
                       "ack_at", "ack_by", "resolved_at", "resolved_by", "rating", "rating_note", "status_key_hash"] {
            #expect(reportColumns.contains(column), "missing report.\(column)")
        }
    }

    @Test("a folder that does not exist is a clear error")
    func missingFolder() {
        #expect(throws: StoreError.self) { try AppDatabase.open(path: "/nonexistent-\(UUID())/x.sqlite") }
    }

    @Test("a file that is not a database is refused")
    func notADatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID()).sqlite").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { try AppDatabase.open(path: path) }
    }
}
