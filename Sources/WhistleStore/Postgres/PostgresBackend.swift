import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// The PostgreSQL side of the store (docs/plans/15-postgres.md §3.3): a pool of connections, and threads that run the
/// store's synchronous transaction bodies on them, one connection per transaction for its whole length.
package final class PostgresBackend: Sendable {
    package let location: PostgresLocation
    let client: PostgresClient
    let threads: NIOThreadPool
    let logger: Logger
    private let running: Task<Void, Never>

    /// How often a transaction is tried when the server aborts it for a serialization failure or a deadlock.
    static let attempts = 3

    private init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: PostgresServer.quiet(logger))
        // One thread per connection: a transaction holds both while its body runs.
        threads = NIOThreadPool(numberOfThreads: location.pool)
        threads.start()
        let client = client
        running = Task { await client.run() }
    }

    /// Connects, checks the server (version, durability) and brings the schema up to date.
    package static func open(_ location: PostgresLocation, logger: Logger = Logger(label: "whistle.store")) async throws -> PostgresBackend {
        _ = try await PostgresServer.check(location, logger: logger)
        let backend = PostgresBackend(location: location, logger: logger)
        do {
            try await backend.transaction(readOnly: false) { tx in try PostgresSchema.migrate(tx) }
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    /// The channel a transaction that plans a step notifies (`SQLTransaction.wakeDispatchers`).
    static let dueChannel = "whistle_due"

    /// Listens on `dueChannel` on a connection of its own: calls `onWake` once listening (notifications sent while
    /// nobody listened are lost, so the caller looks once), then once per notification. Returns when the task is
    /// cancelled or the server ends the stream; throws when the connection fails.
    package func listenForDueSteps(_ onWake: @escaping @Sendable () -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: Self.dueChannel) { notifications in
                onWake()
                for try await _ in notifications { onWake() }
            }
        }
    }

    /// Ends the pool's connections and threads.
    package func close() async {
        running.cancel()
        _ = await running.value
        try? await threads.shutdownGracefully()
    }

    /// Runs `body` in one transaction on one connection: read committed for writes (with the row locks the bodies
    /// take), one repeatable-read snapshot for reads, as GRDB's `read` gives. Aborted for a serialization failure or a
    /// deadlock, it runs again, at most `attempts` times; the bodies touch only the database, so that is safe.
    /// `relaxed`: the commit does not wait for the WAL flush (the dispatcher's bookkeeping, as on SQLite).
    package func transaction<T: Sendable>(
        readOnly: Bool, relaxed: Bool = false, _ body: @escaping @Sendable (any SQLTransaction) throws -> T
    ) async throws -> T {
        let begin = readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        let logger = logger
        let threads = threads
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await threads.runIfActive {
                        let tx = PGTransaction(connection, logger: logger)
                        _ = try tx.execute(begin)
                        if relaxed { _ = try tx.execute("SET LOCAL synchronous_commit = off") }
                        do {
                            let result = try body(tx)
                            _ = try tx.execute("COMMIT")
                            return result
                        } catch {
                            _ = try? tx.execute("ROLLBACK")
                            throw error
                        }
                    }
                }
            } catch let error as PostgresError where attempt < Self.attempts && error.isRetryable {
                attempt += 1
                logger.debug("transaction retried", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    /// Runs one statement outside any transaction (CREATE DATABASE, VACUUM).
    package func executeAlone(_ sql: String) async throws {
        let logger = logger
        do {
            try await client.withConnection { connection in
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        } catch let error as PSQLError {
            throw PostgresError(error, sql: sql)
        }
    }
}
