import ArgumentParser
import Foundation
import WhistleStore

extension ResponderCommands {
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new API token for a responder (printed once, stored hashed).")
        @Argument(help: "The responder's id.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let token = try await database.open().issueToken(responderID: id)
                print(token)
                FileHandle.standardErrorWrite("token for \(id): shown once, keep it safe; `whistle responders revoke \(id)` to revoke\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a responder's tokens (all, or one by --token-id).")
        @Argument(help: "The responder's id.") var id: String
        @Option(help: "Only this token (ids from `responders tokens ID`).") var tokenId: Int64?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let count = try await database.open().revokeTokens(responderID: id, tokenID: tokenId)
                print("\(id): \(count) token\(count == 1 ? "" : "s") revoked")
            }
        }
    }

    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a responder's tokens (ids and dates; never the tokens).")
        @Argument(help: "The responder's id.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let tokens = try await database.open().tokens(responderID: id)
                let rows = [["ID", "CREATED", "REVOKED"]] + tokens.map {
                    [String($0.id), Shanghai.display($0.createdAt), $0.revokedAt.map(Shanghai.display) ?? "-"]
                }
                print(TextTable.render(rows), terminator: "")
            }
        }
    }
}
