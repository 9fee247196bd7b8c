import Foundation
import GRDB

/// `SQLTransaction` on GRDB: the statements of one of GRDB's transactions, with values converted at the boundary so
/// that what is stored is exactly what GRDB's own records store (dates as its UTC text, booleans as 0/1).
final class GRDBTransaction: SQLTransaction {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) {
        self.db = db
    }

    func wakeDispatchers() throws {}

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        // Prepared once per connection and kept, as GRDB's `cachedStatement` does: the store's statements are few.
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: Self.arguments(arguments)).map(Self.row)
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        return result!
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case .integer(let v): v.databaseValue
            case .real(let v): v.databaseValue
            case .text(let v): v.databaseValue
            case .blob(let v): Data(v).databaseValue
            case .date(let v): v.databaseValue
            case .bool(let v): v.databaseValue
            }
        })
    }

    static func row(_ row: Row) -> SQLRow {
        SQLRow(
            columns: Array(row.columnNames),
            values: row.databaseValues.map { value in
                switch value.storage {
                case .null: .null
                case .int64(let v): .integer(v)
                case .double(let v): .real(v)
                case .string(let v): .text(v)
                case .blob(let v): .blob(Array(v))
                }
            })
    }
}

extension AppDatabase {
    /// A write transaction over the store's SQL interface (docs/plans/15-postgres.md §3): what every operation will
    /// be written against, on either backend.
    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        if let postgres { return try await postgres.transaction(readOnly: false, body) }
        return try await writer.write { db in try body(GRDBTransaction(db)) }
    }

    /// A read-only transaction on one snapshot of the database.
    package func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        if let postgres { return try await postgres.transaction(readOnly: true, body) }
        return try await writer.read { db in try body(GRDBTransaction(db)) }
    }

    /// A write whose commit does not wait for the disk (see `writeRelaxed`): the dispatcher's bookkeeping. On
    /// PostgreSQL, `synchronous_commit = off` for this transaction only.
    @discardableResult
    func writeRelaxedSQL<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        if let postgres { return try await postgres.transaction(readOnly: false, relaxed: true, body) }
        return try await writeRelaxed { db in try body(GRDBTransaction(db)) }
    }
}
