import ArgumentParser
import Foundation
import WhistleStore

/// `whistle backup`: the SQLite database and its photos in one file, consistent while `serve` keeps serving.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the SQLite database and its photos into one file (safe while whistle serve runs).",
        discussion: "With PostgreSQL, use pg_dump or the cluster's own backups: photos are rows, in the dump.")

    @Option(help: "The backup file to write (must not exist).") var to: String?
    @Option(help: "A folder for dated backups, whistle-YYYYMMDD-HHMMSS-mmm.backup.") var into: String?
    @Option(help: "With --into: how many backups to keep (the oldest go).") var keep: Int?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (to == nil) != (into == nil) else { throw ValidationError("give one of --to FILE or --into DIR") }
        if keep != nil, into == nil { throw ValidationError("--keep goes with --into") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() async throws {
        try await oneLine {
            let now = Date()
            let file: String
            if let to {
                file = to
            } else {
                let folder = into!
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyyMMdd-HHmmss-SSS"
                file = folder + "/whistle-" + formatter.string(from: now) + ".backup"
            }
            let began = Date()
            let summary = try AppDatabase.backup(sqlitePath: database.path(), to: file, at: now)
            let size = ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int) ?? 0
            var line = "backed up \(summary.reports) reports and \(summary.photos) photos (schema \(summary.schema)) to \(file)"
            line += String(format: ", %.1f MB in %.1f s", Double(size) / 1_048_576, Date().timeIntervalSince(began))
            if summary.missingPhotos > 0 { line += "; \(summary.missingPhotos) named photos were already gone (retention)" }
            print(line)
            if let into, let keep {
                let removed = try AppDatabase.pruneBackups(in: into, keep: keep)
                if !removed.isEmpty { print("removed \(removed.count) older backups, keeping \(keep)") }
            }
        }
    }
}

/// `whistle restore`: checks a backup, then swaps it in; the database it replaces is kept aside.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup as the SQLite database (stop whistle serve first).",
        discussion: "The backup is checked (integrity, counts, schema) before anything changes; the database it replaces is moved to DB.before-restore-TIME/, not deleted.")

    @Option(help: "The backup file.") var from: String
    @Flag(help: "Replace a database that holds reports.") var force = false
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await oneLine {
            let summary = try AppDatabase.restore(from: from, to: database.path(), force: force)
            let taken = ISO8601DateFormatter().string(from: summary.backup.createdAt)
            print("restored \(summary.backup.reports) reports and \(summary.backup.photos) photos from \(from) (taken \(taken), last report \(summary.backup.lastNumber ?? "none")) into \(database.path())")
            if let previous = summary.previous { print("the database it replaced is in \(previous)") }
        }
    }
}

/// `whistle check`: opens the database as `serve` does (migrating it to this release) and checks it.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Open the database as whistle serve would (migrating it) and check its integrity.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await oneLine {
            let location = database.path()
            if !PostgresLocation.isURL(location), !FileManager.default.fileExists(atPath: location) {
                throw CLIError("no database at \(location)")
            }
            let store = try await database.open()
            let health: (integrity: [String], schema: String, reports: Int)
            do {
                health = try await store.health()
                await store.close()
            } catch {
                await store.close()
                throw error
            }
            guard health.integrity == ["ok"] else {
                throw CLIError("\(database.shown()): integrity_check failed: \(health.integrity.prefix(3).joined(separator: "; "))")
            }
            print("\(database.shown()): ok, schema \(health.schema), \(health.reports) reports")
        }
    }
}
