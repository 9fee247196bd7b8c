import Foundation
import GRDB

/// One table's rows before and after `copyHistory`.
public struct CopiedTable: Sendable, Equatable, CustomStringConvertible {
    public var table: String
    public var source: Int
    public var target: Int
    public var description: String { "\(table): \(source) → \(target)" + (source == target ? "" : "  MISMATCH") }
}

extension AppDatabase {
    /// The tables a history is made of, parents before children: each row's references are copied before it.
    static let historyTables = [
        "policy", "street", "community", "responder", "grid", "duty", "point", "retired_code", "report_day", "report", "event", "outbox",
        "scan_count", "server_secret", "form_nonce", "job", "clock_step", "api_token", "login_link", "phone_session", "integration", "open311_request",
    ]

    /// Copies this SQLite store's whole history into `target`, an empty PostgreSQL store, in one transaction there
    /// (all or nothing), from one snapshot here; photo files become rows of `photo`. Returns every table's counts on
    /// both sides, compared after the copy. Refuses a target that already holds a community, a responder or a report.
    public func copyHistory(to target: AppDatabase, at now: Date = Date()) async throws -> [CopiedTable] {
        guard postgres == nil else { throw StoreError.notAllowed("the source must be a SQLite file") }
        guard target.postgres != nil else { throw StoreError.notAllowed("the target must be a postgres:// database") }
        let source = writer
        let photoFolders = [photosDirectory, incomingPhotosDirectory]
        return try await target.write { tx in
            for table in ["policy", "community", "responder", "report"] {
                let rows = try tx.value("SELECT COUNT(*) FROM \(table)", as: Int.self) ?? 0
                if rows > 0 {
                    throw StoreError.notAllowed("the target is not empty (its \(table) table has \(rows) rows): migrate into a new database")
                }
            }
            // The target's own rows of a fresh schema (the catalogue counter, jobs none yet) stay; the copy brings the rest.
            var copied: [CopiedTable] = []
            try source.read { db in
                let sqlite = GRDBTransaction(db)
                for table in Self.historyTables {
                    let sourceColumns = try db.columns(in: table).map(\.name)
                    let targetTypes = Dictionary(
                        uniqueKeysWithValues: try tx.fetchAll(
                            "SELECT column_name, data_type, domain_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
                            [table]
                        ).map { row in (try row.get("column_name", as: String.self), try row.get("data_type", as: String.self)) })
                    let columns = sourceColumns.filter { targetTypes[$0] != nil }
                    let list = columns.joined(separator: ", ")
                    // Pages of 1,000 in storage order: by rowid, or by key for a table without one (scan_count).
                    let withoutRowID = (try sqlite.value("SELECT sql FROM sqlite_master WHERE name = ?", [table], as: String.self) ?? "")
                        .uppercased().contains("WITHOUT ROWID")
                    var last: Int64 = 0
                    var count = 0
                    while true {
                        let rows =
                            withoutRowID
                            ? try sqlite.fetchAll("SELECT \(list) FROM \(table) ORDER BY 1, 2 LIMIT 1000 OFFSET ?", [count])
                            : try sqlite.fetchAll("SELECT rowid AS _rowid, \(list) FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT 1000", [last])
                        guard let end = rows.last else { break }
                        if !withoutRowID { last = try end.get("_rowid") }
                        var values: [SQLValue] = []
                        values.reserveCapacity(rows.count * columns.count)
                        for row in rows {
                            for column in columns { values.append(try Self.convert(row[column], to: targetTypes[column]!, table: table, column: column)) }
                        }
                        let marks = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                        try tx.execute(
                            "INSERT INTO \(table) (\(list)) VALUES \(Array(repeating: marks, count: rows.count).joined(separator: ", "))",
                            SQLArguments(values))
                        count += rows.count
                    }
                    // Identities go on after the copied ids.
                    if columns.contains("id"), targetTypes["id"] == "bigint" {
                        try tx.execute(
                            "SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT MAX(id) FROM \(table)), 1), (SELECT MAX(id) FROM \(table)) IS NOT NULL)",
                            [table])
                    }
                    let sourceCount = try sqlite.value("SELECT COUNT(*) FROM \(table)", as: Int.self) ?? 0
                    let targetCount = try tx.value("SELECT COUNT(*) FROM \(table)", as: Int.self) ?? 0
                    copied.append(CopiedTable(table: table, source: sourceCount, target: targetCount))
                }
            }
            // Photos: the files beside the database, settled or not, as rows.
            var photos = 0
            for (index, folder) in photoFolders.enumerated() {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where Self.isPhotoID(name) {
                    let path = folder + "/" + name
                    guard let bytes = FileManager.default.contents(atPath: path) else { continue }
                    let written = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? now
                    try tx.execute(
                        "INSERT INTO photo (id, bytes, created_at, settled_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                        [name, Array(bytes), written, index == 0 ? now : nil])
                    photos += 1
                }
            }
            copied.append(CopiedTable(table: "photo", source: photos, target: try tx.value("SELECT COUNT(*) FROM photo", as: Int.self) ?? 0))
            if let wrong = copied.first(where: { $0.source != $0.target }) {
                throw StoreError.notAllowed("the copy of \(wrong.table) does not add up (\(wrong.source) rows here, \(wrong.target) there): nothing was kept")
            }
            return copied
        }
    }

    /// A SQLite value as the PostgreSQL column takes it: GRDB's date text as a time, 0/1 as a boolean.
    private static func convert(_ value: SQLValue, to type: String, table: String, column: String) throws -> SQLValue {
        if value == .null { return .null }
        switch type {
        case "timestamp with time zone":
            return .date(try Date.fromSQL(value))
        case "boolean":
            return .bool(try Bool.fromSQL(value))
        case "bigint", "integer":
            return .integer(try Int64.fromSQL(value))
        case "double precision":
            return .real(try Double.fromSQL(value))
        case "bytea":
            return .blob(try [UInt8].fromSQL(value))
        default:
            return .text(try String.fromSQL(value))
        }
    }
}
