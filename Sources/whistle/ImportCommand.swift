import ArgumentParser
import Foundation
import WhistleCore
import WhistleStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create or update the community from a YAML file (idempotent, by id)."
    )

    @Argument(help: "The community file, e.g. assets/demo/community.yaml.")
    var file: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await oneLine {
            // Check the whole file before opening the database: a refused file changes nothing.
            let community: Community
            do {
                community = try CommunityLoader.load(path: file)
            } catch {
                throw CLIError("\(file) refused, nothing changed: \("\(error)".replacingOccurrences(of: "\n", with: "; "))")
            }
            let store = try database.open()
            let summary = try store.importCommunity(community)
            print(summary)
        }
    }
}
