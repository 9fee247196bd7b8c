import ArgumentParser
import Foundation
import WhistleCore
import WhistleStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create or update a community, or a street with its communities, from a YAML file (idempotent, by id)."
    )

    @Argument(help: "A community file (e.g. assets/demo/community.yaml) or a street file (e.g. assets/demo/street.yaml).")
    var file: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await oneLine {
            // Check every file before opening the database; the import itself is one transaction. A refused file
            // changes nothing.
            func refused(_ error: any Error) -> CLIError {
                CLIError("\(file) refused, nothing changed: \("\(error)".replacingOccurrences(of: "\n", with: "; "))")
            }
            let parsed: ImportFile
            do {
                parsed = try CommunityLoader.loadAny(path: file)
            } catch {
                throw refused(error)
            }
            let store = try await database.open()
            do {
                switch parsed {
                case .community(let community):
                    print(try await store.importCommunity(community))
                case .street(let street, let communities):
                    for summary in try await store.importStreet(street, communities: communities) { print(summary) }
                }
            } catch let error as ImportError {
                throw refused(error)
            }
        }
    }
}
