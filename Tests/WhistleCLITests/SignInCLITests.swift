import Foundation
import Testing
import WhistleCore
import WhistleStore

/// `whistle responders login-link`, `sessions` and `revoke`, run as the office would.
@Suite("whistle responders login-link, sessions, revoke")
struct SignInCLITests {
    let reference = root.appendingPathComponent("Tests/Fixtures/community-single.yaml").path

    @Test("a login link: the community's address, a scannable QR, single use; a newer one voids it")
    func loginLink() async throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let png = folder.appendingPathComponent("zhao.png").path
        let first = try whistle(["responders", "login-link", "r-zhao", "--png", png, "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        let link = String(first.stdout.split(separator: "\n")[0])
        #expect(link.hasPrefix("http://127.0.0.1:8080/r/login/"))
        let token = String(link.dropFirst("http://127.0.0.1:8080/r/login/".count))
        #expect(token.count == 52)
        #expect(first.stdout.contains("█") || first.stdout.contains("▀"))
        #expect(first.stderr.contains("single use") && first.stderr.contains("扫一扫"))
        // What is printed is what the QR says, as a phone reads it.
        #expect(try sh("zbarimg", ["--quiet", "--raw", png]).trimmingCharacters(in: .whitespacesAndNewlines) == link)

        let store = try AppDatabase.open(path: db)
        let cookie = try await store.redeemLoginLink(token: token, app: .wecom, at: Date())
        #expect(try await store.session(cookie: cookie, at: Date())?.responder.id == "r-zhao")
        await #expect(throws: StoreError.self) { try await store.redeemLoginLink(token: token, app: .wecom, at: Date()) }

        let second = try whistle(["responders", "login-link", "r-zhao", "--db", db])
        let third = try whistle(["responders", "login-link", "r-zhao", "--valid", "30m", "--db", db])
        let secondToken = String(second.stdout.split(separator: "\n")[0].split(separator: "/").last!)
        #expect(try await store.loginLink(token: secondToken, at: Date()) == .expired)
        #expect(third.status == 0)

        let sessions = try whistle(["responders", "sessions", "r-zhao", "--db", db])
        #expect(sessions.status == 0)
        #expect(sessions.stdout.contains("wecom"))
        #expect(!sessions.stdout.contains(cookie) && !sessions.stdout.contains(Secret.hash(cookie)))

        let revoked = try whistle(["responders", "revoke", "r-zhao", "--db", db])
        #expect(revoked.stdout == "r-zhao: 0 tokens revoked, 1 phone session ended, 1 sign-in link voided\n")
        #expect(try await store.session(cookie: cookie, at: Date()) == nil)
        #expect(try whistle(["responders", "sessions", "r-zhao", "--db", db]).stdout.contains("revoked"))
    }

    @Test("mistakes are one line and a non-zero exit")
    func refusals() throws {
        let db = try temporaryFolder().appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let unknown = try whistle(["responders", "login-link", "nobody", "--db", db])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "whistle: no responder 'nobody'\n")
        let tooLong = try whistle(["responders", "login-link", "r-zhao", "--valid", "30d", "--db", db])
        #expect(tooLong.status != 0)
        #expect(tooLong.stderr.contains("--valid is a duration from 1m to 7d"))
        let noSession = try whistle(["responders", "revoke", "r-zhao", "--session-id", "7", "--db", db])
        #expect(noSession.status == 1)
        #expect(noSession.stderr.split(separator: "\n").count == 1)
        #expect(try whistle(["responders", "sessions", "nobody", "--db", db]).status == 1)
        // A responder the file no longer lists (here r-qian, with their duty) is inactive: no link.
        let edited = try String(contentsOfFile: reference, encoding: .utf8)
            .replacingOccurrences(
                of: "  - id: r-qian\n    name: 钱网格员\n    role: grid_worker\n    phone: \"13800000002\"\n    channels:\n      - wecom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=EXAMPLE\n",
                with: ""
            ).split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("responder: r-qian") }.joined(separator: "\n")
        let file = try temporaryFolder().appendingPathComponent("c.yaml")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        #expect(try whistle(["import", file.path, "--db", db]).status == 0)
        let inactive = try whistle(["responders", "login-link", "r-qian", "--db", db])
        #expect(inactive.status == 1)
        #expect(inactive.stderr == "whistle: r-qian is deactivated: no sign-in link\n")
    }
}
