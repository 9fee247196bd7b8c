import ArgumentParser
import Foundation
import WhistleStore

/// `--db PATH`, else `$WHISTLE_DB`, else `./whistle.sqlite`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (default: $WHISTLE_DB or ./whistle.sqlite).")
    var db: String?

    func path(default fallback: String = "whistle.sqlite") -> String {
        db ?? ProcessInfo.processInfo.environment["WHISTLE_DB"] ?? fallback
    }

    func open(default fallback: String = "whistle.sqlite") throws -> AppDatabase {
        let path = path(default: fallback)
        do {
            return try AppDatabase.open(path: path)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
