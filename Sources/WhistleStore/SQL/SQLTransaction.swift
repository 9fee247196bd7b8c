import Foundation

// The store's one way to talk to a database, whichever it is (docs/plans/15-postgres.md §3): a transaction body is
// synchronous, as GRDB's are, and speaks plain SQL with `?` parameters. SQLite runs it on GRDB's writer; PostgreSQL
// will run it on a pool thread holding one connection. The rules inside the body are written once.

/// One value bound to a statement or read from a row.
package enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    /// Bound as the backend stores dates: GRDB's UTC text on SQLite, `timestamptz` on PostgreSQL.
    case date(Date)
    case bool(Bool)
}

/// A Swift value that binds to, and reads from, one column.
package protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
    static func fromSQL(_ value: SQLValue) throws -> Self
}

/// A column that did not hold what the record expected.
package struct SQLDecodingError: Error, CustomStringConvertible {
    package var column: String
    package var problem: String
    package var description: String { "column \(column): \(problem)" }
}

extension Int64: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self) }
    package static func fromSQL(_ value: SQLValue) throws -> Int64 {
        switch value {
        case .integer(let v): return v
        case .real(let v) where v.rounded() == v: return Int64(v)
        case .bool(let v): return v ? 1 : 0
        case .text(let v) where Int64(v) != nil: return Int64(v)!
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not an integer")
        }
    }
}

extension Int: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(Int64(self)) }
    package static func fromSQL(_ value: SQLValue) throws -> Int { Int(try Int64.fromSQL(value)) }
}

extension Double: SQLValueConvertible {
    package var sqlValue: SQLValue { .real(self) }
    package static func fromSQL(_ value: SQLValue) throws -> Double {
        switch value {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case .text(let v) where Double(v) != nil: return Double(v)!
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not a number")
        }
    }
}

extension Bool: SQLValueConvertible {
    package var sqlValue: SQLValue { .bool(self) }
    package static func fromSQL(_ value: SQLValue) throws -> Bool {
        switch value {
        case .bool(let v): return v
        case .integer(let v): return v != 0
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not a boolean")
        }
    }
}

extension String: SQLValueConvertible {
    package var sqlValue: SQLValue { .text(self) }
    package static func fromSQL(_ value: SQLValue) throws -> String {
        switch value {
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let v): return String(decoding: v, as: UTF8.self)
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not text")
        }
    }
}

extension Date: SQLValueConvertible {
    package var sqlValue: SQLValue { .date(self) }
    package static func fromSQL(_ value: SQLValue) throws -> Date {
        switch value {
        case .date(let v): return v
        case .text(let v):
            guard let date = SQLDate.parse(v) else { throw SQLDecodingError(column: "?", problem: "'\(v)' is not a date") }
            return date
        case .real(let v): return Date(timeIntervalSince1970: v)
        case .integer(let v): return Date(timeIntervalSince1970: Double(v))
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not a date")
        }
    }
}

extension Array: SQLValueConvertible where Element == UInt8 {
    package var sqlValue: SQLValue { .blob(self) }
    package static func fromSQL(_ value: SQLValue) throws -> [UInt8] {
        switch value {
        case .blob(let v): return v
        case .text(let v): return Array(v.utf8)
        default: throw SQLDecodingError(column: "?", problem: "\(value) is not bytes")
        }
    }
}

/// A statement's parameters, in the order of its `?`s: `[now, id, nil]`.
package struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    package var values: [SQLValue]

    package init(_ values: [SQLValue]) { self.values = values }

    package init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    package static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments { SQLArguments(lhs.values + rhs.values) }
}

/// One row of a result: its columns by name (the first of a repeated name wins, as in GRDB).
package struct SQLRow: Sendable {
    package var columns: [String]
    package var values: [SQLValue]

    package init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    package subscript(_ column: String) -> SQLValue {
        columns.firstIndex(of: column).map { values[$0] } ?? .null
    }

    package func has(_ column: String) -> Bool { columns.contains(column) }

    /// The column as `V`; a NULL or a value of the wrong kind is an error naming the column.
    package func get<V: SQLValueConvertible>(_ column: String, as type: V.Type = V.self) throws -> V {
        do {
            return try V.fromSQL(self[column])
        } catch var error as SQLDecodingError {
            error.column = column
            throw error
        }
    }

    /// The column as `V`, nil for NULL.
    package func optional<V: SQLValueConvertible>(_ column: String, as type: V.Type = V.self) throws -> V? {
        if case .null = self[column] { return nil }
        return try get(column, as: type)
    }
}

/// Which SQL a backend speaks where the two differ (docs/plans/15-postgres.md §2).
package enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Appended to a SELECT of a row the transaction will change: PostgreSQL locks it until the commit, so another
    /// node's transaction waits and then sees the change; SQLite's one writer needs nothing.
    package var lockForUpdate: String { self == .postgres ? " FOR NO KEY UPDATE" : "" }
}

extension Date {
    /// The date as SQLite stores it (GRDB keeps milliseconds): durations computed in Swift then match the stored times.
    package var millisecondsStored: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// The statements of one transaction, on either backend. Bodies are synchronous, as GRDB's are.
package protocol SQLTransaction: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement; returns the number of rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    func fetchAll(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
    /// Runs `body` in a savepoint: its changes go if it throws, the transaction goes on.
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Tells every node's dispatcher, when this transaction commits, that a step was planned. PostgreSQL: one
    /// `NOTIFY whistle_due` per transaction (delivered at the commit, dropped with a rollback). SQLite: nothing, since
    /// its one process wakes its own dispatcher in memory.
    func wakeDispatchers() throws
}

extension SQLTransaction {
    @discardableResult package func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    package func fetchOne(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql, arguments).first
    }

    /// The first column of the first row, nil when there is no row or it is NULL.
    package func value<V: SQLValueConvertible>(_ sql: String, _ arguments: SQLArguments = [], as type: V.Type = V.self) throws -> V? {
        guard let row = try fetchOne(sql, arguments), let column = row.columns.first else { return nil }
        return try row.optional(column, as: type)
    }
}

/// UTC dates as SQLite keeps them (GRDB's `YYYY-MM-DD HH:MM:SS.SSS`), read without a formatter.
package enum SQLDate {
    /// Reads `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS[.fff]]` (or `T` … and a `Z`), as UTC.
    package static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), bytes.count >= 10, bytes[4] == 45, let month = number(5, 2), bytes[7] == 45, let day = number(8, 2)
        else { return nil }
        var seconds = 0.0
        if bytes.count > 10 {
            guard bytes[10] == 32 || bytes[10] == 84, let hour = number(11, 2), bytes.count >= 16, bytes[13] == 58, let minute = number(14, 2)
            else { return nil }
            seconds = Double(hour * 3600 + minute * 60)
            var index = 16
            if index < bytes.count, bytes[index] == 58 {
                guard let second = number(17, 2) else { return nil }
                seconds += Double(second)
                index = 19
                if index < bytes.count, bytes[index] == 46 {
                    // The fraction as a whole number first: 0.123 read digit by digit would drift in the last bits.
                    var fraction = 0
                    var scale = 1.0
                    index += 1
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        if scale < 1e9 {
                            fraction = fraction * 10 + Int(bytes[index] - 48)
                            scale *= 10
                        }
                        index += 1
                    }
                    seconds += Double(fraction) / scale
                }
            }
            if index < bytes.count, bytes[index] == 90 { index += 1 }
            guard index == bytes.count else { return nil }
        }
        // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Date(timeIntervalSince1970: Double(days) * 86400 + seconds)
    }
}
