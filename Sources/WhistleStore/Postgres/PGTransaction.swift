import Foundation
import Logging
import NIOCore
import PostgresNIO

/// `SQLTransaction` on one leased PostgreSQL connection, driven synchronously from a pool thread (never an event
/// loop): each statement waits for its result, as a GRDB statement does.
final class PGTransaction: SQLTransaction {
    let connection: PostgresConnection
    let logger: Logger
    private var savepoints = 0
    private var notified = false
    var dialect: SQLDialect { .postgres }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try run(sql, arguments).rows.map(Self.row)
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "s\(savepoints)"
        _ = try run("SAVEPOINT \(name)", [])
        do {
            let result = try body()
            _ = try run("RELEASE SAVEPOINT \(name)", [])
            return result
        } catch {
            _ = try? run("ROLLBACK TO SAVEPOINT \(name)", [])
            throw error
        }
    }

    func wakeDispatchers() throws {
        guard !notified else { return }
        _ = try run("SELECT pg_notify(?, '')", [PostgresBackend.dueChannel])
        notified = true
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let v): bindings.append(v)
            case .real(let v): bindings.append(v)
            case .text(let v): bindings.append(v)
            case .blob(let v): bindings.append(ByteBuffer(bytes: v))
            case .date(let v): bindings.append(v)
            case .bool(let v): bindings.append(v)
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings)
        do {
            return try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError {
            throw PostgresError(error, sql: sql)
        }
    }

    /// The store writes `?` (and SQLite's `?NNN`); PostgreSQL numbers its parameters `$1`, `$2`…. Quoted text,
    /// quoted names and comments are left as they are.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var next = 0
        var quote: Character?
        var comment = false
        var characters = Array(sql)
        characters.append(" ")
        var index = 0
        while index < characters.count - 1 {
            let c = characters[index]
            if comment {
                out.append(c)
                if c == "\n" { comment = false }
            } else if let open = quote {
                out.append(c)
                if c == open { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "-" && characters[index + 1] == "-" {
                comment = true
                out.append(c)
            } else if c == "?" {
                var digits = ""
                while index + 1 < characters.count - 1, characters[index + 1].isASCII, characters[index + 1].isNumber {
                    digits.append(characters[index + 1])
                    index += 1
                }
                if digits.isEmpty {
                    next += 1
                    out += "$\(next)"
                } else {
                    out += "$" + digits
                }
            } else {
                out.append(c)
            }
            index += 1
        }
        return out
    }

    static func row(_ row: PostgresRow) -> SQLRow {
        var columns: [String] = []
        var values: [SQLValue] = []
        for cell in row {
            columns.append(cell.columnName)
            values.append(value(cell))
        }
        return SQLRow(columns: columns, values: values)
    }

    /// A cell as the store's values: integers, reals, text, bytes, dates and booleans; anything else as its text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .numeric: return .real(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
            case .bool: return .bool(try cell.decode(Bool.self))
            case .bytea: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
            case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
            default: return .text(try cell.decode(String.self))
            }
        } catch {
            // A type the store never reads (xid8 and the like): its raw bytes, should anyone ask.
            return .blob(cell.bytes.map { Array(buffer: $0) } ?? [])
        }
    }
}

/// A statement PostgreSQL refused, in words: the server's SQLSTATE and message and the statement (never its values,
/// which may hold a resident's phone).
package struct PostgresError: Error, CustomStringConvertible {
    package var sqlState: String?
    package var message: String
    package var sql: String
    let underlying: PSQLError

    init(_ error: PSQLError, sql: String) {
        underlying = error
        sqlState = error.serverInfo?[.sqlState]
        message = error.serverInfo?[.message] ?? "\(error.code)"
        self.sql = sql
    }

    /// Worth running the transaction again: a serialization failure or a deadlock.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    package var description: String {
        "PostgreSQL \(sqlState ?? "error"): \(message) — while executing `\(sql.prefix(300))`"
    }
}
