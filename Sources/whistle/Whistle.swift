import ArgumentParser
import Foundation
import Logging

@main
struct Whistle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whistle",
        abstract: "群众吹哨，服务报到 — QR plaques, resident reports and the 10-minute promise.",
        version: "whistle \(Release.version)",
        subcommands: [
            DemoCommand.self, ServeCommand.self, ImportCommand.self, PointsCommand.self, ResponderCommands.self, QRCommand.self,
            PlaquesCommand.self, LoginCommand.self, InboxCommand.self, ShowCommand.self, AckCommand.self, ResolveCommand.self,
            BlowCommand.self, WatchCommand.self, ScanCommand.self, SLACommand.self, MigrateCommand.self, IntegrationCommands.self, BackupCommand.self, RestoreCommand.self, CheckCommand.self,
            DevCommands.self,
        ]
    )

    static func main() async {
        // Process-wide bootstrap happens here once, never inside buildApplication (tests build many apps).
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardErrorWrite("whistle: \(error.message)\n")
            exit(withError: ExitCode(1))
        } catch {
            exit(withError: error)
        }
    }
}
