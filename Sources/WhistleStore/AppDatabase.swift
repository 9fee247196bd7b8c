import Foundation
import GRDB

/// The one SQLite file of a community: a `DatabasePool` in WAL mode with `synchronous=FULL`.
///
/// FULL because a resident is told "received" only after the commit: with NORMAL a power cut
/// could roll back a report the resident already saw accepted.
public struct AppDatabase: Sendable {
    package let writer: any DatabaseWriter
    /// The database file (photos live beside it in `path + ".photos"`); for PostgreSQL, its URL without the password
    /// (`PostgresLocation.address`), which opens the same database again.
    public let path: String
    /// Set when the store is on PostgreSQL (issue #15). Operations are moving to the SQL interface one file at a time
    /// (docs/plans/15-postgres.md §8); those not yet moved reach `writer`, which for PostgreSQL is an empty in-memory
    /// SQLite and fails loudly ("no such table"), never silently.
    package let postgres: PostgresBackend?

    /// Opens a SQLite file (a path) or a PostgreSQL database (a `postgres://` URL).
    public static func open(_ location: String) async throws -> AppDatabase {
        guard PostgresLocation.isURL(location) else { return try open(path: location) }
        let backend = try await PostgresBackend.open(try PostgresLocation.parse(location))
        return AppDatabase(writer: try DatabaseQueue(), path: backend.location.address, postgres: backend)
    }

    /// Ends a PostgreSQL store's connections (a SQLite file needs nothing).
    public func close() async {
        await postgres?.close()
    }

    public var photosDirectory: String { path + ".photos" }

    /// Opens (creating if needed) and migrates the database at `path`; refuses a file it cannot make durable.
    public static func open(path: String) throws -> AppDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw StoreError.unusable(path: path, reason: "its folder \(directory) does not exist")
        }
        var config = Configuration()
        // The CLI and the server share the file: wait for a lock instead of failing at once.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Reports over a year are read by the SLA report in a few passes: map the file, keep more pages.
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.unusable(path: path, reason: "\(error)")
        }
        // GRDB sets synchronous=NORMAL on the writer when it turns WAL on, after prepareDatabase ran.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let database = AppDatabase(writer: pool, path: path)
        try database.checkDurability(path: path)
        try Migrations.migrator.migrate(pool)
        return database
    }

    /// Residents' reports, committed in groups (see `ReportIntake`); shared by every copy of this value.
    let intake: ReportIntake
    /// The community, points and roster, loaded once per change (see `CommunitySnapshot`).
    let snapshots: SnapshotCache

    init(writer: any DatabaseWriter, path: String, postgres: PostgresBackend? = nil) {
        self.writer = writer
        self.path = path
        self.postgres = postgres
        let snapshots = SnapshotCache()
        self.snapshots = snapshots
        self.intake = ReportIntake { items in
            let body: @Sendable (any SQLTransaction) throws -> [Result<CreatedReport, any Error>] = { tx in
                try Self.insertReports(items, in: tx, snapshots: snapshots)
            }
            if let postgres { return try await postgres.transaction(readOnly: false, body) }
            return try await writer.write { db in try body(GRDBTransaction(db)) }
        }
    }

    /// The journal mode and synchronous level of the writer connection, as SQLite reports them.
    public func pragmas() throws -> (journalMode: String, synchronous: Int) {
        try writer.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            return (mode.lowercased(), sync)
        }
    }

    private func checkDurability(path: String) throws {
        let (mode, sync) = try pragmas()
        guard mode == "wal" else {
            throw StoreError.unusable(path: path, reason: "journal_mode is \(mode), not wal (is it on a network filesystem?)")
        }
        guard sync == 2 else {
            throw StoreError.unusable(path: path, reason: "synchronous is \(sync), not FULL (2)")
        }
    }

    /// A write transaction that does not wait for the disk (`synchronous=NORMAL` for this commit only), for the
    /// dispatcher's bookkeeping: claims and delivery outcomes. Delivery is at least once by design, so a power cut
    /// that forgets such a commit only means a step is sent again under the same key; reports, transitions and
    /// everything a person was told about stay FULL. The next FULL commit makes these durable as well.
    func writeRelaxed<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var result: T?
            try db.inTransaction {
                result = try updates(db)
                return .commit
            }
            return result!
        }
    }

    /// True when the database answers a query; for `/readyz`.
    public func isReachable() async -> Bool {
        (try? await read { tx in try tx.value("SELECT 1", as: Int.self) }) == 1
    }
}

/// Store failures that reach a user as one clear sentence.
public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case unusable(path: String, reason: String)
    case notFound(String)
    case notAllowed(String)
    /// The person may not do this (their role, or the report is someone else's); unlike `notAllowed`, not about state.
    case forbidden(String)
    /// A form token that was already used: the same form submitted twice.
    case replayed

    public var description: String {
        switch self {
        case .unusable(let path, let reason): "cannot use database \(path): \(reason)"
        case .notFound(let what): "\(what) not found"
        case .notAllowed(let why): why
        case .forbidden(let why): why
        case .replayed: "this form was already submitted"
        }
    }
}
