import ArgumentParser
import Foundation
import WhistleStore

/// `--db PATH|URL`, else `$WHISTLE_DB`, else `./whistle.sqlite`: a SQLite file, or a `postgres://` URL for several
/// nodes on one PostgreSQL (the password from the URL or `$PGPASSWORD`).
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "SQLite database file, or postgres://user@host[:port]/database for PostgreSQL (default: $WHISTLE_DB or ./whistle.sqlite).")
    var db: String?

    func path(default fallback: String = "whistle.sqlite") -> String {
        db ?? ProcessInfo.processInfo.environment["WHISTLE_DB"] ?? fallback
    }

    /// The location as it may be printed: a URL loses its password.
    func shown(default fallback: String = "whistle.sqlite") -> String {
        let location = path(default: fallback)
        return (try? PostgresLocation.parse(location, environment: [:]).address) ?? location
    }

    func open(default fallback: String = "whistle.sqlite") async throws -> AppDatabase {
        do {
            return try await AppDatabase.open(path(default: fallback))
        } catch {
            throw CLIError("\(error)")
        }
    }
}
