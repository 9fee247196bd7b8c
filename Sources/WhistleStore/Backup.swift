import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What a backup holds, read back from its manifest.
public struct BackupSummary: Sendable, Equatable {
    public var createdAt: Date
    /// The last migration applied to the database it was taken from.
    public var schema: String
    public var reports: Int
    public var photos: Int
    /// Photos a report names but whose file was gone (removed by the retention purge after the snapshot).
    public var missingPhotos: Int
    /// The newest report number at the moment of the snapshot.
    public var lastNumber: String?
}

/// What a restore did.
public struct RestoreSummary: Sendable, Equatable {
    public var backup: BackupSummary
    /// Where the database it replaced went (nil when there was none).
    public var previous: String?
}

public enum BackupError: Error, Equatable, CustomStringConvertible {
    case postgres
    case exists(String)
    case notABackup(String)
    case damaged(String)
    case newerRelease(String)
    case inUse(String)
    case holdsReports(path: String, count: Int)
    case unreadableTarget(path: String, reason: String)

    public var description: String {
        switch self {
        case .postgres:
            "backup and restore are for the SQLite file; on PostgreSQL use pg_dump or the cluster's own backups (photos are rows, in the dump)"
        case .exists(let path): "\(path) already exists; choose a new name or use --into DIR"
        case .notABackup(let path): "\(path) is not a whistle backup"
        case .damaged(let reason): "the backup is damaged: \(reason); nothing was changed"
        case .newerRelease(let migration): "the backup was written by a newer release (migration '\(migration)'); upgrade whistle first"
        case .inUse(let path): "a whistle serve is using \(path); stop it first (systemctl stop whistle)"
        case .holdsReports(let path, let count): "\(path) holds \(count) reports; pass --force to replace it (it is kept aside, not deleted)"
        case .unreadableTarget(let path, let reason):
            "\(path) cannot be read (\(reason)); pass --force to replace it (it is kept aside, not deleted)"
        }
    }
}

/// Backups of a SQLite deployment (#19): ONE file, itself a SQLite database. SQLite's online backup copies the database
/// from one read snapshot while the server keeps writing (WAL), then the photos its reports name are added as rows of
/// `whistle_backup_photo`, and a manifest as `whistle_backup`. `PRAGMA integrity_check` covers all of it, and
/// `sqlite3 FILE` can read it.
extension AppDatabase {
    static let manifestTable = "whistle_backup"
    static let photoTable = "whistle_backup_photo"

    /// Backs up the database at `sqlitePath` and its photos into `file` (which must not exist). It does not migrate
    /// the source: the package backs up before an upgrade migrates.
    @discardableResult
    public static func backup(sqlitePath: String, to file: String, at now: Date = Date()) throws -> BackupSummary {
        guard !PostgresLocation.isURL(sqlitePath) else { throw BackupError.postgres }
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw StoreError.unusable(path: sqlitePath, reason: "it does not exist") }
        guard !FileManager.default.fileExists(atPath: file) else { throw BackupError.exists(file) }
        let partial = file + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.readonly = true
            let source = try DatabasePool(path: sqlitePath, configuration: config)
            let copy = try DatabaseQueue(path: partial)
            // One read transaction of the source: a consistent snapshot, however long the copy takes.
            try source.backup(to: copy)
            try source.close()
            // The copy inherits the source's WAL mode with its pages: a backup is one self-contained file, so that
            // reading it (read-only) leaves no -wal or -shm beside it.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let summary = try copy.write { db -> BackupSummary in
                try db.execute(sql: "CREATE TABLE \(photoTable) (id TEXT PRIMARY KEY, bytes BLOB NOT NULL)")
                try db.execute(sql: "CREATE TABLE \(manifestTable) (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                var photos = 0
                var missing = 0
                for json in try String.fetchAll(db, sql: "SELECT photo_ids FROM report WHERE photo_ids <> '[]'") {
                    for id in (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? [] where Self.isPhotoID(id) {
                        // A photo may move from incoming/ to its place while we look: try both, then the first again.
                        let folder = sqlitePath + ".photos"
                        let places = [folder + "/" + id, folder + "/incoming/" + id, folder + "/" + id]
                        guard let bytes = places.lazy.compactMap({ FileManager.default.contents(atPath: $0) }).first else {
                            missing += 1
                            continue
                        }
                        try db.execute(sql: "INSERT OR IGNORE INTO \(photoTable) (id, bytes) VALUES (?, ?)", arguments: [id, bytes])
                        photos += db.changesCount
                    }
                }
                let summary = BackupSummary(
                    createdAt: now, schema: try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? "",
                    reports: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0, photos: photos, missingPhotos: missing,
                    lastNumber: try String.fetchOne(db, sql: "SELECT number FROM report ORDER BY id DESC LIMIT 1"))
                for (key, value) in [
                    ("format", "whistle-backup 1"), ("created_at", ISO8601DateFormatter().string(from: now)), ("schema", summary.schema),
                    ("reports", String(summary.reports)), ("photos", String(photos)), ("missing_photos", String(missing)),
                    ("last_number", summary.lastNumber ?? ""), ("source", sqlitePath),
                ] {
                    try db.execute(sql: "INSERT INTO \(manifestTable) (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                return summary
            }
            let check = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            try copy.close()
            guard check == ["ok"] else { throw BackupError.damaged("integrity_check: \(check.prefix(3).joined(separator: "; "))") }
            try Self.syncFile(partial)
            try FileManager.default.moveItem(atPath: partial, toPath: file)
            try Self.syncFile(URL(fileURLWithPath: file).deletingLastPathComponent().path)
            return summary
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// The manifest of a backup file, after checking it is whole (integrity_check) and was written by a release that
    /// knows every migration it holds.
    public static func inspectBackup(_ file: String) throws -> BackupSummary {
        guard FileManager.default.fileExists(atPath: file) else { throw StoreError.unusable(path: file, reason: "it does not exist") }
        var config = Configuration()
        config.readonly = true
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: file, configuration: config) } catch { throw BackupError.notABackup(file) }
        defer { try? queue.close() }
        return try queue.read { db in
            guard (try? db.tableExists(manifestTable)) == true,
                let format = try? String.fetchOne(db, sql: "SELECT value FROM \(manifestTable) WHERE key = 'format'"), format == "whistle-backup 1"
            else { throw BackupError.notABackup(file) }
            let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard check == ["ok"] else { throw BackupError.damaged("integrity_check: \(check.prefix(3).joined(separator: "; "))") }
            let known = Set(Migrations.migrator.migrations)
            for applied in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") where !known.contains(applied) {
                throw BackupError.newerRelease(applied)
            }
            let manifest = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM \(manifestTable)").map {
                ($0["key"] as String, $0["value"] as String)
            })
            let photos = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(photoTable)") ?? 0
            let reports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0
            guard String(photos) == manifest["photos"], String(reports) == manifest["reports"] else {
                throw BackupError.damaged("its counts do not match its manifest")
            }
            return BackupSummary(
                createdAt: manifest["created_at"].flatMap { ISO8601DateFormatter().date(from: $0) } ?? .distantPast,
                schema: manifest["schema"] ?? "", reports: reports, photos: photos, missingPhotos: Int(manifest["missing_photos"] ?? "") ?? 0,
                lastNumber: manifest["last_number"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// Restores `file` as the database at `sqlitePath`: checked first, staged beside the target, migrated forward to
    /// this release, then swapped in; the database it replaces (with its photos) is moved aside, never deleted. Refused
    /// while a `whistle serve` holds the database, and over a database with reports unless `force`.
    @discardableResult
    public static func restore(from file: String, to sqlitePath: String, force: Bool = false, at now: Date = Date()) throws -> RestoreSummary {
        guard !PostgresLocation.isURL(sqlitePath) else { throw BackupError.postgres }
        let summary = try inspectBackup(file)
        let target = URL(fileURLWithPath: sqlitePath).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: target) else {
            throw StoreError.unusable(path: sqlitePath, reason: "its folder \(target) does not exist")
        }
        let lock = try ServeLock(databasePath: sqlitePath)
        guard lock.tryExclusive() else { throw BackupError.inUse(sqlitePath) }
        defer { lock.release() }
        let manager = FileManager.default
        if manager.fileExists(atPath: sqlitePath), !force {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            let count: Int
            do {
                count = try DatabaseQueue(path: sqlitePath, configuration: config).read { db in
                    try db.tableExists("report") ? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0 : 0
                }
            } catch {
                // A database that cannot be read may still hold reports: only --force replaces it.
                throw BackupError.unreadableTarget(path: sqlitePath, reason: "\(error)")
            }
            if count > 0 { throw BackupError.holdsReports(path: sqlitePath, count: count) }
        }
        // Stage beside the target (same filesystem, so the swap is a rename).
        let folder = URL(fileURLWithPath: sqlitePath).deletingLastPathComponent().path
        let staging = folder + "/.restore-" + Secret.generate(bytes: 5)
        try manager.createDirectory(atPath: staging + "/db.photos", withIntermediateDirectories: true)
        let staged = staging + "/db"
        do {
            try manager.copyItem(atPath: file, toPath: staged)
            let queue = try DatabaseQueue(path: staged)
            try queue.write { db in
                // One photo at a time: a backup may hold gigabytes of them.
                let rows = try Row.fetchCursor(db, sql: "SELECT id, bytes FROM \(photoTable)")
                while let row = try rows.next() {
                    let id: String = row["id"]
                    guard Self.isPhotoID(id) else { continue }
                    let data: Data = row["bytes"]
                    guard manager.createFile(atPath: staging + "/db.photos/" + id, contents: data) else {
                        throw StoreError.unusable(path: staging, reason: "could not write photo \(id)")
                    }
                    // On disk before the old photos are moved aside.
                    try syncFile(staging + "/db.photos/" + id)
                }
                try db.execute(sql: "DROP TABLE \(photoTable); DROP TABLE \(manifestTable)")
            }
            // A backup of an older release is brought up to this one before it goes live.
            try Migrations.migrator.migrate(queue)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
            try queue.close()
            try syncFile(staged)
            try syncFile(staging + "/db.photos")
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
        // The swap: what is there now goes aside, the staged copy comes in.
        var previous: String?
        let parts = [sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm", sqlitePath + ".photos"].filter { manager.fileExists(atPath: $0) }
        if !parts.isEmpty {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let stamp = formatter.string(from: now).replacingOccurrences(of: ":", with: "")
            let aside = sqlitePath + ".before-restore-" + stamp
            try manager.createDirectory(atPath: aside, withIntermediateDirectories: true)
            for part in parts { try manager.moveItem(atPath: part, toPath: aside + "/" + URL(fileURLWithPath: part).lastPathComponent) }
            previous = aside
        }
        try manager.moveItem(atPath: staged, toPath: sqlitePath)
        try manager.moveItem(atPath: staging + "/db.photos", toPath: sqlitePath + ".photos")
        try? manager.removeItem(atPath: staging)
        try syncFile(folder)
        return RestoreSummary(backup: summary, previous: previous)
    }

    /// The newest `keep` backups in `folder` stay; older `whistle-*.backup` files go. Returns the removed names.
    @discardableResult
    public static func pruneBackups(in folder: String, keep: Int) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("whistle-") && $0.hasSuffix(".backup") }.sorted()
        let old = Array(names.dropLast(max(keep, 1)))
        for name in old { try FileManager.default.removeItem(atPath: folder + "/" + name) }
        return old
    }

    /// SQLite's `PRAGMA integrity_check` and the schema and report count, for `whistle check` (after an upgrade).
    public func health() async throws -> (integrity: [String], schema: String, reports: Int) {
        if postgres != nil {
            let reports = try await read { tx in try tx.value("SELECT COUNT(*) FROM report", as: Int.self) ?? 0 }
            return (["ok"], "postgres", reports)
        }
        return try await writer.read { db in
            (
                try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? "",
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0
            )
        }
    }

    /// fsync a file or a folder (a rename is durable only once its folder is).
    static func syncFile(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError.unusable(path: path, reason: "cannot open to sync") }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.unusable(path: path, reason: "fsync failed") }
    }
}

/// `whistle serve` holds a shared lock on `DB.lock` for as long as it runs, so a restore (which takes it exclusively)
/// can tell a live database from an idle one. A separate file: closing any descriptor of the database file itself
/// would drop SQLite's own POSIX locks.
public final class ServeLock: @unchecked Sendable {
    private let fd: Int32

    public init(databasePath: String) throws {
        fd = Glibc.open(databasePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.unusable(path: databasePath + ".lock", reason: "cannot open the lock file") }
    }

    /// Held by each serving process, taken BEFORE the database is opened; several servers may share it. False while a
    /// restore holds it: the server must not open a file about to be swapped away under it.
    public func tryShare() -> Bool { flock(fd, LOCK_SH | LOCK_NB) == 0 }

    /// True when nobody else holds the lock.
    public func tryExclusive() -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    public func release() { _ = flock(fd, LOCK_UN) }

    deinit { Glibc.close(fd) }
}
