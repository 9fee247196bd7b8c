import ArgumentParser
import Foundation
import WhistleCore
import WhistleQR
import WhistleStore

extension ResponderCommands {
    struct LoginLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login-link",
            abstract: "Print a responder's personal sign-in link and its QR code for their phone (single use, expiring).",
            discussion: """
                The responder opens it in the app their messages arrive in (企业微信, 钉钉 or 飞书 "扫一扫"), taps the button, \
                and that app stays signed in for 180 days of use. A new link voids the previous unused one; \
                `whistle responders revoke ID` ends every session.
                """)
        @Argument(help: "The responder's id.") var id: String
        @Option(help: "How long the link works: 30m, 24h, 3d (1 minute to 7 days).") var valid = "24h"
        @Option(help: "Also write the QR code to this PNG file (to print or send).") var png: String?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard let lifetime = DurationText.parse(valid), lifetime >= .seconds(60), lifetime <= .seconds(7 * 86400) else {
                throw ValidationError("--valid is a duration from 1m to 7d, such as 24h")
            }
        }

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                let snapshot = try await store.snapshot()
                guard let responder = snapshot.roster.responders[id] else { throw CLIError("no responder '\(id)'") }
                guard let base = snapshot.baseURL(for: responder) else { throw CLIError("no base_url: import a community file first") }
                let lifetime = TimeInterval(DurationText.parse(valid)!.wholeSeconds)
                let now = Date()
                let token: String
                do {
                    token = try await store.issueLoginLink(responderID: id, lifetime: lifetime, at: now)
                } catch StoreError.notAllowed {
                    throw CLIError("\(id) is deactivated: no sign-in link")
                }
                let link = base + "/r/login/" + token
                let matrix = try QRMatrix.encode(link, level: .M)
                if let png { try PNGRenderer.write(matrix, path: png, scale: 8) }
                print(link)
                print(TerminalRenderer.render(matrix, invert: false), terminator: "")
                // A part-time grid worker is never messaged: WeChat's 扫一扫 or the phone's browser is where they report from.
                let app =
                    responder.role == .partTime
                    ? "Open it with WeChat's \"扫一扫\" or in the phone's browser, and report from there: that app keeps the sign-in."
                    : "Open it with \"扫一扫\" in the app the messages arrive in (企业微信/钉钉/飞书), not the camera: each app keeps its own sign-in."
                FileHandle.standardErrorWrite(
                    """
                    sign-in link for \(responder.name) (\(id)): single use, until \(ShanghaiTime.display(now.addingTimeInterval(lifetime))) (Asia/Shanghai).
                    \(app)
                    A new link voids this one; `whistle responders revoke \(id)` ends every session.

                    """)
            }
        }
    }

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a responder's phone sessions (ids, app, dates; never the secrets).")
        @Argument(help: "The responder's id.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                guard try await store.responders().contains(where: { $0.id == id }) else { throw CLIError("no responder '\(id)'") }
                let now = Date()
                let rows = [["ID", "APP", "SIGNED IN", "LAST SEEN", "ENDS"]] + (try await store.sessions(responderID: id)).map {
                    let ends = $0.revokedAt.map { "revoked " + ShanghaiTime.display($0) }
                        ?? ($0.expiresAt <= now ? "expired" : ShanghaiTime.display($0.expiresAt))
                    return [String($0.id), $0.app.rawValue, ShanghaiTime.display($0.createdAt), ShanghaiTime.display($0.lastSeenAt), ends]
                }
                print(TextTable.render(rows), terminator: "")
            }
        }
    }
}
