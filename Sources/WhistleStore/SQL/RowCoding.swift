import Foundation

// Codable records over `SQLRow`, column by column, the way GRDB's `FetchableRecord`/`EncodableRecord` do it so that
// both read and write the same stored text: a primitive or a raw-value enum is the column's value; anything structured
// (channels, categories, photo ids, a timeline entry's detail) is JSON text with sorted keys and dates in milliseconds.

/// A table's record: its coding keys are its column names.
package protocol SQLRecord: Codable {
    static var table: String { get }
}

extension SQLTransaction {
    package func fetchAll<R: Decodable>(_ type: R.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [R] {
        try fetchAll(sql, arguments).map { try RowDecoding.decode(type, from: $0) }
    }

    package func fetchOne<R: Decodable>(_ type: R.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> R? {
        try fetchOne(sql, arguments).map { try RowDecoding.decode(type, from: $0) }
    }

    /// The record whose `id` is `id`.
    package func fetch<R: SQLRecord>(_ type: R.Type, id: some SQLValueConvertible) throws -> R? {
        try fetchOne(type, "SELECT * FROM \(R.table) WHERE id = ?", [id])
    }

    /// Inserts every encoded column; returns the new row's id when it is an integer (nil for a text key, or for a
    /// record without an `id`, such as a duty row).
    @discardableResult
    package func insert<R: SQLRecord>(_ record: R, adding extra: [String: SQLValue] = [:]) throws -> Int64? {
        let encoded = try RowEncoding.encode(record) + extra.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let columns = encoded.filter { !($0.name == "id" && $0.value == .null) }
        let names = columns.map(\.name).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let sql = "INSERT INTO \(R.table) (\(names)) VALUES (\(marks))"
        guard encoded.contains(where: { $0.name == "id" }) else {
            try execute(sql, SQLArguments(columns.map(\.value)))
            return nil
        }
        let rows = try fetchAll(sql + " RETURNING id", SQLArguments(columns.map(\.value)))
        if case .integer(let id)? = rows.first?["id"] { return id }
        return nil
    }

    /// Inserts the record unless a unique key already holds it (an outbox row planned twice); its new id, or nil.
    package func insertIfNew<R: SQLRecord>(_ record: R) throws -> Int64? {
        let columns = try RowEncoding.encode(record).filter { !($0.name == "id" && $0.value == .null) }
        let names = columns.map(\.name).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let rows = try fetchAll(
            "INSERT INTO \(R.table) (\(names)) VALUES (\(marks)) ON CONFLICT DO NOTHING RETURNING id", SQLArguments(columns.map(\.value)))
        if case .integer(let id)? = rows.first?["id"] { return id }
        return nil
    }

    /// Inserts every record a unique key does not already hold, in ONE statement (a round trip per row adds up while a
    /// report holds its day's counter); the new ids by the value of `key`, a unique column each record sets.
    package func insertAllIfNew<R: SQLRecord>(_ records: [R], key: String) throws -> [String: Int64] {
        guard !records.isEmpty else { return [:] }
        let rows = try records.map { try RowEncoding.encode($0).filter { !($0.name == "id" && $0.value == .null) } }
        let names = rows[0].map(\.name)
        guard rows.allSatisfy({ $0.map(\.name) == names }) else {
            throw SQLDecodingError(column: key, problem: "records of one insert encode different columns")
        }
        let marks = "(" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
        let inserted = try fetchAll(
            """
            INSERT INTO \(R.table) (\(names.joined(separator: ", "))) VALUES \(Array(repeating: marks, count: rows.count).joined(separator: ", "))
            ON CONFLICT DO NOTHING RETURNING id, \(key)
            """, SQLArguments(rows.flatMap { $0.map(\.value) }))
        var ids: [String: Int64] = [:]
        for row in inserted { ids[try row.get(key, as: String.self)] = try row.get("id", as: Int64.self) }
        return ids
    }

    /// Writes every encoded column of the row whose `id` is the record's.
    @discardableResult
    package func update<R: SQLRecord>(_ record: R) throws -> Int {
        let columns = try RowEncoding.encode(record)
        guard let id = columns.first(where: { $0.name == "id" })?.value, id != .null else {
            throw SQLDecodingError(column: "id", problem: "an update needs the record's id")
        }
        let others = columns.filter { $0.name != "id" }
        let sets = others.map { "\($0.name) = ?" }.joined(separator: ", ")
        return try execute("UPDATE \(R.table) SET \(sets) WHERE id = ?", SQLArguments(others.map(\.value) + [id]))
    }
}

package enum RowDecoding {
    package static func decode<R: Decodable>(_ type: R.Type, from row: SQLRow) throws -> R {
        try R(from: RowDecoder(row: row))
    }

    static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dataDecodingStrategy = .base64
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }
}

package enum RowEncoding {
    /// The record's columns in coding order, as they would be stored.
    package static func encode<R: Encodable>(_ record: R) throws -> [(name: String, value: SQLValue)] {
        let encoder = RowEncoder()
        try record.encode(to: encoder)
        return encoder.storage.columns
    }

    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = .throw
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

/// Thrown by a column's decoder when the type wants structure: the column is then read as JSON.
private struct NeedsJSON: Error {}

private func primitive<T>(_ type: T.Type, _ value: SQLValue, column: String) throws -> T? {
    func typed<V: SQLValueConvertible>(_ v: V.Type) throws -> T {
        do {
            return try V.fromSQL(value) as! T
        } catch var error as SQLDecodingError {
            error.column = column
            throw error
        }
    }
    switch type {
    case is String.Type: return try typed(String.self)
    case is Int64.Type: return try typed(Int64.self)
    case is Int.Type: return try typed(Int.self)
    case is Double.Type: return try typed(Double.self)
    case is Bool.Type: return try typed(Bool.self)
    case is Date.Type: return try typed(Date.self)
    case is Data.Type: return Data(try [UInt8].fromSQL(value)) as? T
    default: return nil
    }
}

/// Decodes one column's value as `T`: directly for primitives and single-value types (raw-value enums, EventKind),
/// from JSON text for anything keyed or unkeyed.
private func decodeColumn<T: Decodable>(_ type: T.Type, _ value: SQLValue, column: String) throws -> T {
    if let direct = try primitive(type, value, column: column) { return direct }
    do {
        return try T(from: ColumnDecoder(value: value, column: column))
    } catch is NeedsJSON {
        let text = try String.fromSQL(value)
        do {
            return try RowDecoding.jsonDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw SQLDecodingError(column: column, problem: "its JSON does not decode as \(T.self): \(error)")
        }
    }
}

private struct RowDecoder: Decoder {
    let row: SQLRow
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: SQLRow
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { row.columns.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { row.has(key.stringValue) }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = row[key.stringValue] { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = row[key.stringValue]
        if case .null = value {
            throw SQLDecodingError(column: key.stringValue, problem: row.has(key.stringValue) ? "is NULL" : "is missing")
        }
        return try decodeColumn(type, value, column: key.stringValue)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let value = row[key.stringValue]
        if case .null = value { return nil }
        return try decodeColumn(type, value, column: key.stringValue)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw SQLDecodingError(column: key.stringValue, problem: "nested containers are read as JSON columns")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw SQLDecodingError(column: key.stringValue, problem: "nested containers are read as JSON columns")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
}

/// One column, for types that decode themselves from a single value (or ask for structure: then JSON).
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLValue
    let column: String
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeColumn(type, value, column: column) }
}

// MARK: Encoding

private final class ColumnStorage {
    var columns: [(name: String, value: SQLValue)] = []

    func set(_ name: String, _ value: SQLValue) {
        if let index = columns.firstIndex(where: { $0.name == name }) {
            columns[index].value = value
        } else {
            columns.append((name, value))
        }
    }
}

/// Encodes one column's value: primitives directly, single-value types through `ColumnEncoder`, the rest as JSON.
private func encodeColumn<T: Encodable>(_ value: T) throws -> SQLValue {
    switch value {
    case let v as any SQLValueConvertible: return v.sqlValue
    case let v as Data: return .blob(Array(v))
    default: break
    }
    let single = ColumnEncoder()
    try value.encode(to: single)
    if single.structured {
        let data = try RowEncoding.jsonEncoder().encode(value)
        return .text(String(decoding: data, as: UTF8.self))
    }
    return single.value ?? .null
}

private final class RowEncoder: Encoder {
    let storage = ColumnStorage()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RowEncodingContainer<Key>(storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a record encodes as columns, keyed by name") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("a record encodes as columns, keyed by name") }
}

private struct RowEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: ColumnStorage
    var codingPath: [any CodingKey] = []

    mutating func encodeNil(forKey key: Key) throws { storage.set(key.stringValue, .null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        storage.set(key.stringValue, try encodeColumn(value))
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        storage.set(key.stringValue, try value.map(encodeColumn) ?? .null)
    }

    // The protocol's own versions of these skip a nil: the column would then be missing from an UPDATE (so it could
    // never be cleared) and a nil `id` from an INSERT. A nil is a NULL column, as GRDB writes it.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { storage.set(key.stringValue, value?.sqlValue ?? .null) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { storage.set(key.stringValue, value?.sqlValue ?? .null) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { storage.set(key.stringValue, value?.sqlValue ?? .null) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .real(Double($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { storage.set(key.stringValue, value?.sqlValue ?? .null) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { storage.set(key.stringValue, value?.sqlValue ?? .null) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { storage.set(key.stringValue, value.map { .integer(Int64($0)) } ?? .null) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        fatalError("nested containers are written as JSON columns")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("nested containers are written as JSON columns")
    }

    mutating func superEncoder() -> any Encoder { RowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RowEncoder() }
}

/// Captures a single value; a type that asks it for a keyed or unkeyed container is structured, and is written as
/// JSON instead (what it writes here is ignored).
private final class ColumnEncoder: Encoder, SingleValueEncodingContainer {
    var value: SQLValue?
    var structured = false
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        structured = true
        return KeyedEncodingContainer(Ignoring<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        structured = true
        return IgnoringUnkeyed()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { value = .null }
    func encode<T: Encodable>(_ value: T) throws { self.value = try encodeColumn(value) }
}

/// Containers that accept and drop everything: the value is encoded again, whole, as JSON.
private struct Ignoring<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] = []
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(Ignoring<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { IgnoringUnkeyed() }
    mutating func superEncoder() -> any Encoder { ColumnEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ColumnEncoder() }
}

private struct IgnoringUnkeyed: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] = []
    var count = 0
    mutating func encodeNil() throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(Ignoring<NestedKey>())
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { IgnoringUnkeyed() }
    mutating func superEncoder() -> any Encoder { ColumnEncoder() }
}
