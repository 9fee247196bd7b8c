import ArgumentParser
import Foundation
import WhistleStore

/// `whistle migrate --from whistle.sqlite --to postgres://…`: a community's whole history moved to PostgreSQL.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite database's whole history into an empty PostgreSQL database, and check the counts.",
        discussion: """
            Copies every report, event, outbox row, token, code, sign-in and photo, in one transaction on the target \
            (all or nothing), from one snapshot of the file; then compares the rows table by table. Stop `whistle serve` \
            on the file first: reports taken in after the snapshot are not copied. The target must be empty.
            """
    )

    @Option(help: .init("The SQLite database file to copy.", valueName: "file")) var from: String
    @Option(help: .init("The PostgreSQL database to copy into (postgres://user@host[:port]/database).", valueName: "url")) var to: String

    func run() async throws {
        try await oneLine {
            guard !PostgresLocation.isURL(from) else { throw CLIError("--from is a SQLite file; --to takes the postgres:// URL") }
            guard PostgresLocation.isURL(to) else { throw CLIError("--to must be a postgres:// URL, not '\(to)'") }
            guard FileManager.default.fileExists(atPath: from) else { throw CLIError("no database file at \(from)") }
            let source = try await DatabaseOptions(db: from).open()
            let target = try await DatabaseOptions(db: to).open()
            do {
                let copied = try await source.copyHistory(to: target)
                await target.close()
                let shown = (try? PostgresLocation.parse(to, environment: [:]).address) ?? to
                print("copied \(from) into \(shown):")
                for table in copied { print("  \(table)") }
            } catch {
                await target.close()
                throw CLIError("\(error)")
            }
        }
    }
}
