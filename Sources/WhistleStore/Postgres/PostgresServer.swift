import Foundation
import Logging
import PostgresNIO

/// What the store asks of a PostgreSQL server before trusting it with reports.
public enum PostgresServer {
    /// The oldest server accepted: `xid8` and `pg_current_xact_id()`, which the live feed's commit order needs, came in 13.
    public static let minimumVersion = 130000

    public struct Facts: Sendable, Equatable {
        public var version: Int
        public var fsync: Bool
    }

    /// The pool's own log, errors only: it tells of every connection made and every failed attempt at info, which
    /// would fill a command's one-line error; what fails reaches us as a thrown error, said once, in words.
    static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = .error
        return quiet
    }

    /// Connects, reads the server's version and whether it flushes to disk, and refuses a server that is too old or,
    /// unless the address allows it, one running with `fsync=off`.
    public static func check(
        _ location: PostgresLocation, timeout: Duration = .seconds(10), logger: Logger = Logger(label: "whistle.store")
    ) async throws -> Facts {
        let client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: quiet(logger))
        // The client's pool retries a refused connection without end; the check gives up after `timeout`.
        let read: Facts? = try await withThrowingTaskGroup(of: Facts?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask {
                var version = 0
                for try await text in try await client.query("SHOW server_version_num", logger: logger).decode(String.self) { version = Int(text) ?? 0 }
                var fsync = true
                for try await text in try await client.query("SHOW fsync", logger: logger).decode(String.self) { fsync = text == "on" }
                return Facts(version: version, fsync: fsync)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            do {
                return try await group.next() ?? nil
            } catch {
                throw StoreError.unusable(path: location.redacted, reason: "cannot connect: \(String(describing: error).prefix(300))")
            }
        }
        guard let facts = read else {
            throw StoreError.unusable(path: location.redacted, reason: "cannot connect within \(timeout.components.seconds) s")
        }
        guard facts.version >= minimumVersion else {
            throw StoreError.unusable(path: location.redacted, reason: "PostgreSQL \(facts.version / 10000) is too old: 13 or newer is needed")
        }
        guard facts.fsync || location.allowFsyncOff else {
            throw StoreError.unusable(
                path: location.redacted, reason: "the server runs with fsync=off: an acknowledged report could be lost in a power cut")
        }
        return facts
    }
}
