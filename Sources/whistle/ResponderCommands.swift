import ArgumentParser
import WhistleCore
import WhistleStore

struct ResponderCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responders",
        abstract: "List the community's responders; sign them in on their phones; manage their API tokens.",
        subcommands: [List.self, LoginLink.self, Sessions.self, Token.self, Tokens.self, Revoke.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List responders, their roles and channels (phones masked).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                let responders = try await store.responders()
                let table = [["ID", "ROLE", "NAME", "PHONE", "CHANNELS"]]
                    + responders.map { responder in
                        [
                            responder.id + (responder.active ? "" : " (inactive)"), responder.role.rawValue, responder.name,
                            responder.phone.map(Phone.mask) ?? "-", responder.channels.map(\.kind).joined(separator: ","),
                        ]
                    }
                print(TextTable.render(table), terminator: "")
            }
        }
    }
}
