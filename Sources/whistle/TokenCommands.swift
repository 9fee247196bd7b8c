import ArgumentParser
import Foundation
import WhistleCore
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
        static let configuration = CommandConfiguration(
            abstract: "Revoke a responder's API tokens, end their phone sessions and void their unused sign-in links.",
            discussion: "With --token-id only that token is revoked; with --session-id only that phone session ends.")
        @Argument(help: "The responder's id.") var id: String
        @Option(help: "Only this token (ids from `responders tokens ID`).") var tokenId: Int64?
        @Option(help: "Only this phone session (ids from `responders sessions ID`).") var sessionId: Int64?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if tokenId != nil && sessionId != nil { throw ValidationError("give --token-id or --session-id, not both") }
        }

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                guard try await store.responders().contains(where: { $0.id == id }) else { throw CLIError("no responder '\(id)'") }
                let now = Date()
                func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
                if let sessionId {
                    let ended = try await store.revokeSignIns(responderID: id, sessionID: sessionId, at: now)
                    guard ended.sessions == 1 else { throw CLIError("\(id) has no live phone session \(sessionId) (see `whistle responders sessions \(id)`)") }
                    print("\(id): phone session \(sessionId) ended")
                    return
                }
                let tokens = try await store.revokeTokens(responderID: id, tokenID: tokenId, at: now)
                if tokenId != nil {
                    print("\(id): \(plural(tokens, "token")) revoked")
                    return
                }
                let signIns = try await store.revokeSignIns(responderID: id, at: now)
                print("\(id): \(plural(tokens, "token")) revoked, \(plural(signIns.sessions, "phone session")) ended, \(plural(signIns.links, "sign-in link")) voided")
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
