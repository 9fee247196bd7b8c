import Foundation
import Testing

/// Residents' numbers as they were acknowledged (a 303 to the status page), with the time of the answer.
private final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(number: String, at: Date)] = []
    private var running = true
    let finished = DispatchSemaphore(value: 0)

    var isRunning: Bool { lock.withLock { running } }
    var count: Int { lock.withLock { entries.count } }
    func add(_ number: String) { lock.withLock { entries.append((number, Date())) } }
    func stop() { lock.withLock { running = false } }
    func numbers(before date: Date) -> [String] { lock.withLock { entries.filter { $0.at < date }.map(\.number) } }
    func numbers(between start: Date, _ end: Date) -> [String] { lock.withLock { entries.filter { $0.at > start && $0.at < end }.map(\.number) } }
}

/// `whistle backup` and `whistle restore` (#19) against a real `whistle serve`.
@Suite("whistle backup and restore", .serialized)
struct BackupCLITests {
    @Test("a backup taken while residents keep reporting holds every report acknowledged before it began, with its photos, and restores")
    func whileServing() async throws {
        let server = try LiveServer(options: ["--client-burst", "100000", "--client-refill", "1", "--point-burst", "100000", "--point-refill", "1"]) { db in
            // A history to copy, so the backup takes a while and reports arrive during it.
            let seeded = try whistle(["dev", "seed", "--reports", "20000", "--db", db])
            guard seeded.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: seeded.stderr]) }
        }
        defer { server.stop() }
        let code = try server.code("merchant-pharmacy")
        let photo = server.folder.appendingPathComponent("photo.png").path
        #expect(try whistle(["qr", "https://example.cn/photo", "--format", "png", "--out", photo]).status == 0)

        let log = Acknowledged()
        Thread.detachNewThread {
            var index = 0
            while log.isRunning {
                let path = (try? server.report(point: code, category: "other", description: "第\(index)次", photo: index % 3 == 0 ? photo : nil)) ?? ""
                if let number = path.firstMatch(of: #/^/t/([0-9]{8}-[0-9]+)/#) { log.add(String(number.1)) }
                index += 1
            }
            log.finished.signal()
        }
        while log.count < 6 { try await Task.sleep(for: .milliseconds(50)) }

        let backup = server.folder.appendingPathComponent("during.backup").path
        let began = Date()
        let before = log.numbers(before: began)
        let run = try whistle(["backup", "--to", backup, "--db", server.db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("backed up ") && run.stdout.contains(" photos "))
        let ended = Date()
        try await Task.sleep(for: .seconds(1))
        log.stop()
        log.finished.wait()
        #expect(!log.numbers(between: began, ended).isEmpty, "no report was acknowledged while the backup ran")

        let restoredPath = server.folder.appendingPathComponent("restored.sqlite").path
        let restored = try whistle(["restore", "--from", backup, "--db", restoredPath])
        #expect(restored.status == 0, "\(restored.stderr)")
        let numbers = Set(try sh("sqlite3", [restoredPath, "SELECT number FROM report"]).split(separator: "\n").map(String.init))
        let lost = before.filter { !numbers.contains($0) }
        #expect(lost.isEmpty, "acknowledged before the backup began, missing from it: \(lost.prefix(5))")
        // Exactly what the backup said it held: the seeded history and the residents' reports up to its snapshot.
        let held = run.stdout.firstMatch(of: #/backed up ([0-9]+) reports/#).flatMap { Int($0.1) }
        #expect(held == numbers.count && numbers.count > 19000 + before.count, "\(run.stdout)")
        #expect(try sh("sqlite3", [restoredPath, "PRAGMA integrity_check"]) == "ok\n")
        // Every photo a restored report names is there.
        let named = try sh("sqlite3", [restoredPath, "SELECT photo_ids FROM report WHERE photo_ids <> '[]'"]).split(separator: "\n")
            .flatMap { (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? [] }
        #expect(!named.isEmpty && named.allSatisfy { FileManager.default.fileExists(atPath: restoredPath + ".photos/" + $0) })
        // The restored file is a working database: the server starts on it.
        #expect(try whistle(["points", "list", "--db", restoredPath]).status == 0)
        print("backup of \(numbers.count) reports took \(String(format: "%.2f", ended.timeIntervalSince(began))) s with reports arriving")
    }

    @Test("restore refuses a served database, one with reports without --force, and a damaged or newer backup; --into keeps N")
    func refusals() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let folder = server.folder
        _ = try server.report(point: try server.code("statue-south-gate"), category: "water", description: "漏水")
        let backup = folder.appendingPathComponent("one.backup").path
        #expect(try whistle(["backup", "--to", backup, "--db", server.db]).status == 0)
        let again = try whistle(["backup", "--to", backup, "--db", server.db])
        #expect(again.status == 1 && again.stderr.contains("already exists"))

        for extra in [[], ["--force"]] {
            let live = try whistle(["restore", "--from", backup, "--db", server.db] + extra)
            #expect(live.status == 1 && live.stderr.contains("a whistle serve is using"), "\(live.stderr)")
        }
        server.stop()
        let guarded = try whistle(["restore", "--from", backup, "--db", server.db])
        #expect(guarded.status == 1 && guarded.stderr.contains("holds 1 reports") && guarded.stderr.contains("--force"))
        let forced = try whistle(["restore", "--from", backup, "--db", server.db, "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("the database it replaced is in"), "\(forced.stderr)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".before-restore-") }
        #expect(aside.count == 1)

        // A truncated copy, a newer release's, a plain database: refused, and nothing changes.
        let cut = folder.appendingPathComponent("cut.backup").path
        try FileManager.default.copyItem(atPath: backup, toPath: cut)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: cut))
        try handle.truncate(atOffset: (try handle.seekToEnd()) / 2)
        try handle.close()
        let fresh = folder.appendingPathComponent("fresh.sqlite").path
        let damaged = try whistle(["restore", "--from", cut, "--db", fresh])
        #expect(damaged.status == 1 && (damaged.stderr.contains("damaged") || damaged.stderr.contains("not a whistle backup")), "\(damaged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let newer = folder.appendingPathComponent("newer.backup").path
        try FileManager.default.copyItem(atPath: backup, toPath: newer)
        try sh("sqlite3", [newer, "INSERT INTO grdb_migrations VALUES ('v99 from the future')"])
        let future = try whistle(["restore", "--from", newer, "--db", fresh])
        #expect(future.status == 1 && future.stderr.contains("newer release"), "\(future.stderr)")
        let plain = try whistle(["restore", "--from", server.db, "--db", fresh])
        #expect(plain.status == 1 && plain.stderr.contains("not a whistle backup"), "\(plain.stderr)")
        let postgres = try whistle(["backup", "--to", folder.appendingPathComponent("pg.backup").path, "--db", "postgres://whistle@127.0.0.1:1/whistle"])
        #expect(postgres.status == 1 && postgres.stderr.contains("pg_dump"))

        // A target that cannot be read may hold reports: only --force replaces it.
        let garbled = folder.appendingPathComponent("garbled.sqlite").path
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: garbled))
        let unreadable = try whistle(["restore", "--from", backup, "--db", garbled])
        #expect(unreadable.status == 1 && unreadable.stderr.contains("cannot be read") && unreadable.stderr.contains("--force"), "\(unreadable.stderr)")
        #expect(try whistle(["restore", "--from", backup, "--db", garbled, "--force"]).status == 0)

        // While a restore holds the lock, a server does not start on the file about to be swapped.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", garbled + ".lock", "sleep", "5"]
        try holder.run()
        Thread.sleep(forTimeInterval: 0.3)
        let starting = try whistle(["serve", "--db", garbled, "--port", String(freePort())])
        holder.terminate()
        holder.waitUntilExit()
        #expect(starting.status == 1 && starting.stderr.contains("is being restored"), "\(starting.stderr)")

        // --into DIR --keep 2: the two newest stay.
        let nightly = folder.appendingPathComponent("nightly").path
        for _ in 0..<3 { #expect(try whistle(["backup", "--into", nightly, "--keep", "2", "--db", server.db]).status == 0) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: nightly).filter { $0.hasSuffix(".backup") }.count == 2)
        #expect(try whistle(["backup", "--to", backup + "2", "--keep", "2", "--db", server.db]).status != 0)
        // Each backup is one file: nothing beside it, even after restores have read it.
        let strays = try FileManager.default.contentsOfDirectory(atPath: folder.path) + FileManager.default.contentsOfDirectory(atPath: nightly)
        #expect(strays.filter { $0.hasSuffix(".backup-wal") || $0.hasSuffix(".backup-shm") }.isEmpty, "\(strays)")
    }

    @Test("an older release's database is backed up as it is, and its restore is migrated to this release")
    func olderRelease() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let old = folder.appendingPathComponent("v8.sqlite").path
        try sh("sqlite3", [old, ".read " + root.appendingPathComponent("Tests/Fixtures/v8-history.sql").path])
        let backup = folder.appendingPathComponent("v8.backup").path
        let run = try whistle(["backup", "--to", backup, "--db", old])
        #expect(run.status == 0 && run.stdout.contains("backed up 8 reports") && run.stdout.contains("schema v8 catalogue version"), "\(run.stdout)\(run.stderr)")
        // Backing up did not migrate the source (the package backs up before an upgrade touches it).
        #expect(try sh("sqlite3", [old, "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1"]) == "v8 catalogue version\n")
        let restoredPath = folder.appendingPathComponent("restored.sqlite").path
        #expect(try whistle(["restore", "--from", backup, "--db", restoredPath]).status == 0)
        let check = try whistle(["check", "--db", restoredPath])
        #expect(check.status == 0 && check.stdout.contains("ok, schema ") && check.stdout.contains(", 8 reports") && !check.stdout.contains("v8 catalogue"), "\(check.stdout)")
        #expect(try sh("sqlite3", [restoredPath, "SELECT COUNT(*) FROM whistle_backup_photo"]).isEmpty, "the backup's own tables stayed in the restored database")
    }
}
