import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// Phone sign-in: personal links used once and expiring, sessions found until revoked or expired, secrets never stored.
@Suite struct SignInTests {
    let start = local("2026-11-25T09:00:00")

    @Test("a sign-in link starts one session, once")
    func singleUse() async throws {
        let (database, _) = try await seeded()
        let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        #expect(link.count == 52)
        // Reading it (the GET page, a chat app's preview) uses nothing up.
        for _ in 0..<2 {
            guard case .valid(let responder, _) = try await database.loginLink(token: link, at: start) else { Issue.record("not valid"); return }
            #expect(responder.id == "r-zhao")
        }
        let cookie = try await database.redeemLoginLink(token: link, app: .wecom, at: start.addingTimeInterval(60))
        #expect(try await database.session(cookie: cookie, at: start.addingTimeInterval(61))?.responder.id == "r-zhao")
        await #expect(throws: StoreError.notAllowed("this sign-in link was already used")) {
            try await database.redeemLoginLink(token: link, app: .wecom, at: start.addingTimeInterval(120))
        }
        #expect(try await database.loginLink(token: link, at: start.addingTimeInterval(120)) == .used)
        #expect(try await database.loginLink(token: "nonsense", at: start) == .unknown)
        await #expect(throws: StoreError.notFound("sign-in link")) { try await database.redeemLoginLink(token: "nonsense", app: .browser, at: start) }
    }

    @Test("a link expires; a newer link voids the older")
    func expiry() async throws {
        let (database, _) = try await seeded()
        let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        let late = start.addingTimeInterval(86401)
        #expect(try await database.loginLink(token: link, at: late) == .expired)
        await #expect(throws: StoreError.self) { try await database.redeemLoginLink(token: link, app: .browser, at: late) }
        let first = try await database.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: start)
        let second = try await database.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: start.addingTimeInterval(10))
        #expect(try await database.loginLink(token: first, at: start.addingTimeInterval(20)) == .expired)
        _ = try await database.redeemLoginLink(token: second, app: .dingtalk, at: start.addingTimeInterval(20))
    }

    @Test("a deactivated responder gets no link and loses their sessions")
    func inactive() async throws {
        let (database, _) = try await seeded()
        let link = try await database.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: start)
        let cookie = try await database.redeemLoginLink(token: link, app: .browser, at: start)
        let unused = try await database.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: start)
        try await database.write { tx in try tx.execute("UPDATE responder SET active = FALSE WHERE id = 'r-qian'") }
        #expect(try await database.session(cookie: cookie, at: start) == nil)
        #expect(try await database.loginLink(token: unused, at: start) == .expired)
        await #expect(throws: StoreError.self) { try await database.redeemLoginLink(token: unused, app: .browser, at: start) }
        await #expect(throws: StoreError.self) { try await database.issueLoginLink(responderID: "r-qian", lifetime: 60, at: start) }
        await #expect(throws: StoreError.notFound("responder 'nobody'")) { try await database.issueLoginLink(responderID: "nobody", lifetime: 60, at: start) }
    }

    @Test("revoking ends every session and voids unused links; one session can be ended alone")
    func revoke() async throws {
        let (database, _) = try await seeded()
        var cookies: [String] = []
        for app in [PhoneApp.wecom, .feishu] {
            let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
            cookies.append(try await database.redeemLoginLink(token: link, app: app, at: start))
        }
        let pending = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        let sessions = try await database.sessions(responderID: "r-zhao")
        #expect(sessions.map(\.app) == [.feishu, .wecom])
        let one = try await database.revokeSignIns(responderID: "r-zhao", sessionID: sessions[0].id, at: start)
        #expect(one == SignInsRevoked(sessions: 1, links: 0))
        #expect(try await database.session(cookie: cookies[1], at: start) == nil)
        #expect(try await database.session(cookie: cookies[0], at: start) != nil)
        let all = try await database.revokeSignIns(responderID: "r-zhao", at: start)
        #expect(all == SignInsRevoked(sessions: 1, links: 1))
        #expect(try await database.session(cookie: cookies[0], at: start) == nil)
        #expect(try await database.loginLink(token: pending, at: start) == .expired)
    }

    @Test("a session lasts 180 days from its last use; renewing moves that")
    func lifetime() async throws {
        let (database, _) = try await seeded()
        let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        let cookie = try await database.redeemLoginLink(token: link, app: .browser, at: start)
        let end = start.addingTimeInterval(AppDatabase.sessionLifetime)
        #expect(try await database.session(cookie: cookie, at: end.addingTimeInterval(-1)) != nil)
        #expect(try await database.session(cookie: cookie, at: end) == nil)
        let session = try #require(try await database.session(cookie: cookie, at: start.addingTimeInterval(100 * 86400)))
        try await database.touchSession(id: session.id, at: start.addingTimeInterval(100 * 86400))
        #expect(try await database.session(cookie: cookie, at: end.addingTimeInterval(86400)) != nil)
        #expect(try await database.session(cookie: cookie + "x", at: start) == nil)
        // A second link opened in the same browser replaces the session it held.
        let again = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start.addingTimeInterval(101 * 86400))
        let replaced = try await database.redeemLoginLink(token: again, app: .browser, replacing: cookie, at: start.addingTimeInterval(101 * 86400))
        #expect(try await database.session(cookie: cookie, at: start.addingTimeInterval(101 * 86400)) == nil)
        #expect(try await database.session(cookie: replaced, at: start.addingTimeInterval(101 * 86400)) != nil)
    }

    @Test("only hashes are stored, and ended sign-ins are deleted after 30 days")
    func storage() async throws {
        let (database, _) = try await seeded()
        let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        let cookie = try await database.redeemLoginLink(token: link, app: .browser, at: start)
        let dump = try await database.read { tx in
            "\(try tx.fetchAll("SELECT * FROM login_link", []).map(\.values))" + "\(try tx.fetchAll("SELECT * FROM phone_session", []).map(\.values))"
        }
        #expect(!dump.contains(link) && !dump.contains(cookie))
        #expect(dump.contains(Secret.hash(link)) && dump.contains(Secret.hash(cookie)))
        try await database.revokeSignIns(responderID: "r-zhao", at: start)
        #expect(try await database.purgeSignIns(before: start) == 0)
        #expect(try await database.purgeSignIns(before: start.addingTimeInterval(AppDatabase.signInRetention)) == 2)
        #expect(try await database.sessions(responderID: "r-zhao").isEmpty)
    }

    @Test("the app is read from the User-Agent")
    func apps() {
        #expect(PhoneApp(userAgent: "Mozilla/5.0 … MicroMessenger/8.0 wxwork/4.1") == .wecom)
        #expect(PhoneApp(userAgent: "Mozilla/5.0 … MicroMessenger/8.0.40") == .wechat)
        #expect(PhoneApp(userAgent: "Mozilla/5.0 … AliApp(DingTalk/7.0)") == .dingtalk)
        #expect(PhoneApp(userAgent: "Mozilla/5.0 … Lark/6.9") == .feishu)
        #expect(PhoneApp(userAgent: nil) == .browser)
    }
}
