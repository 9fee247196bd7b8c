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
        // One connection of its own, not the pool: a pool retries a refused connection without end, where a single
        // connection fails at once ("connection refused") and gives up on a silent host after `timeout`.
        let facts: Facts
        do {
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: try location.connectionTLS)
            configuration.options.connectTimeout = .seconds(timeout.components.seconds)
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: quiet(logger))
            defer { Task { try? await connection.close() } }
            var version = 0
            for try await text in try await connection.query("SHOW server_version_num", logger: logger).decode(String.self) { version = Int(text) ?? 0 }
            var fsync = true
            for try await text in try await connection.query("SHOW fsync", logger: logger).decode(String.self) { fsync = text == "on" }
            facts = Facts(version: version, fsync: fsync)
        } catch {
            throw StoreError.unusable(path: location.redacted, reason: "cannot connect: \(Self.reason(error))")
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

    /// What went wrong, in one short line: postgres-nio's errors describe themselves at length, with the query.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return String(String(describing: underlying).prefix(200)) }
            return String(describing: error.code)
        }
        return String(String(describing: error).prefix(200))
    }
}
