import ArgumentParser
import Foundation
import WhistleCore
import WhistleStore

/// `whistle integrations …`: the API keys other systems use to file and follow reports through Open311 (#18).
struct IntegrationCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations", abstract: "Open311 API keys for other systems (a city's 311 back-end, FixMyStreet, an app).",
        subcommands: [Key.self, List.self, Revoke.self])

    /// Lower-case letters, digits, `-` and `_`: a name for logs and lists, never the key.
    static func checkName(_ name: String) throws {
        guard name.range(of: #"^[a-z0-9][a-z0-9_-]{0,39}$"#, options: .regularExpression) != nil else {
            throw ValidationError("an integration's name is 1–40 of a-z, 0-9, - and _, starting with a letter or digit")
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an Open311 api_key for an integration (printed once, stored hashed); again for the same name rotates it.")
        @Argument(help: "The integration's name, e.g. city-311.") var name: String
        @Option(help: "A community it may file into (repeat for several); needed when the deployment has several.") var community: [Int64] = []
        @OptionGroup var database: DatabaseOptions

        func validate() throws { try IntegrationCommands.checkName(name) }

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                let all = try await store.communities()
                var scope = community
                if scope.isEmpty {
                    guard all.count == 1 else {
                        throw CLIError(
                            "this deployment has \(all.count) communities: name them with --community ("
                                + all.map { "\($0.id) \($0.name)" }.joined(separator: ", ") + ")")
                    }
                    scope = [all[0].id]
                }
                let issued: (key: String, replaced: Bool)
                do {
                    issued = try await store.issueIntegrationKey(name: name, communities: scope)
                } catch StoreError.notFound(let what) {
                    throw CLIError("no \(what): see `whistle import`")
                }
                print(issued.key)
                let names = scope.map { id in "community \(id)" + (all.first { $0.id == id }.map { " \($0.name)" } ?? "") }
                FileHandle.standardErrorWrite(
                    "key for \(name) (\(names.joined(separator: ", "))): shown once, stored hashed; `whistle integrations revoke \(name)` to revoke"
                        + (issued.replaced ? "; its previous key is revoked" : "") + "\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List integrations and their keys (dates and scope; never the keys).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let integrations = try await database.open().integrations()
                let rows = [["NAME", "COMMUNITIES", "CREATED", "REVOKED", "REQUESTS"]] + integrations.map {
                    [$0.name, $0.communities.map(String.init).joined(separator: ","), Shanghai.display($0.createdAt),
                     $0.revokedAt.map(Shanghai.display) ?? "-", String($0.filed)]
                }
                print(TextTable.render(rows), terminator: "")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an integration's key: its requests are refused from then on.")
        @Argument(help: "The integration's name.") var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                guard try await database.open().revokeIntegration(name: name) == 1 else {
                    throw CLIError("no active key for '\(name)' (see `whistle integrations list`)")
                }
                print("\(name): key revoked")
            }
        }
    }
}
