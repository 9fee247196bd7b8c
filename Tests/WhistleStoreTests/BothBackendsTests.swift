import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// The operations already written against the SQL interface, run on SQLite and (where `make test` started its
/// cluster) PostgreSQL: the same calls, the same answers.
@Suite("On both backends: tokens, sign-ins, server keys")
struct BothBackendsTests {
    let start = Date(timeIntervalSince1970: 1_795_395_600)

    @Test("API tokens: issued once, found, listed, revoked", arguments: StoreBackend.available)
    func tokens(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        try await minimalRoster(database, at: start)
        #expect(await database.isReachable())
        let token = try await database.issueToken(responderID: "r-zhao", at: start)
        #expect(try await database.responder(token: token)?.name == "赵网格员")
        #expect(try await database.responder(token: token + "x") == nil)
        await #expect(throws: StoreError.notFound("responder 'nobody'")) { try await database.issueToken(responderID: "nobody", at: start) }
        _ = try await database.issueToken(responderID: "r-zhao", at: start.addingTimeInterval(1))
        let listed = try await database.tokens(responderID: "r-zhao")
        #expect(listed.count == 2 && listed.allSatisfy { $0.revokedAt == nil } && listed[0].createdAt == start)
        #expect(try await database.revokeTokens(responderID: "r-zhao", tokenID: listed[0].id, at: start) == 1)
        #expect(try await database.responder(token: token) == nil)
        #expect(try await database.revokeTokens(responderID: "r-zhao", at: start) == 1)
        #expect(try await database.tokens(responderID: "r-zhao").allSatisfy { $0.revokedAt == start })
        await database.close()
    }

    @Test("phone sign-in: a link used once, sessions found until revoked, purged a month after", arguments: StoreBackend.available)
    func signIns(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        try await minimalRoster(database, at: start)
        let link = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        guard case .valid(let who, let expires) = try await database.loginLink(token: link, at: start) else {
            Issue.record("the link is not valid")
            return
        }
        #expect(who.id == "r-zhao" && expires == start.addingTimeInterval(86400))
        let cookie = try await database.redeemLoginLink(token: link, app: .dingtalk, at: start)
        await #expect(throws: StoreError.notAllowed("this sign-in link was already used")) {
            try await database.redeemLoginLink(token: link, app: .dingtalk, at: start)
        }
        let session = try #require(try await database.session(cookie: cookie, at: start.addingTimeInterval(60)))
        #expect(session.responder.id == "r-zhao" && session.lastSeenAt == start)
        try await database.touchSession(id: session.id, at: start.addingTimeInterval(3600))
        #expect(try await database.session(cookie: cookie, at: start.addingTimeInterval(3601))?.lastSeenAt == start.addingTimeInterval(3600))
        let unused = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: start)
        #expect(try await database.revokeSignIns(responderID: "r-zhao", at: start.addingTimeInterval(7200)) == SignInsRevoked(sessions: 1, links: 1))
        #expect(try await database.session(cookie: cookie, at: start.addingTimeInterval(7201)) == nil)
        #expect(try await database.loginLink(token: unused, at: start.addingTimeInterval(7201)) == .expired)
        #expect(try await database.sessions(responderID: "r-zhao").map(\.app) == [.dingtalk])
        #expect(try await database.purgeSignIns(before: start.addingTimeInterval(7200 + AppDatabase.signInRetention + 1)) == 3)
        await database.close()
    }

    @Test("two nodes redeeming one link at once: one session, one refusal", arguments: StoreBackend.available)
    func redeemRace(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        try await minimalRoster(database, at: start)
        for _ in 0..<5 {
            let link = try await database.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: start)
            async let a = try? database.redeemLoginLink(token: link, app: .wecom, at: start)
            async let b = try? database.redeemLoginLink(token: link, app: .wecom, at: start)
            let won = [await a, await b].compactMap { $0 }
            #expect(won.count == 1)
        }
        #expect(try await database.sessions(responderID: "r-qian").count == 5)
        await database.close()
    }

    @Test("a server key is made once and is the same for every caller", arguments: StoreBackend.available)
    func serverKeys(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        async let a = database.serverKey(named: "form")
        async let b = database.serverKey(named: "form")
        let (first, second) = try await (a, b)
        #expect(first.count == 32 && first == second)
        #expect(try await database.serverKey(named: "photo-link") != first)
        await database.close()
    }

    @Test("a once-a-day job runs on one node at a time: the lease holds, a finished job waits a day, a dead holder's lease lapses",
          arguments: StoreBackend.available)
    func jobs(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        let daily: @Sendable (Date?) -> Bool = { last in last.map { self.start.timeIntervalSince($0) >= 86400 } ?? true }
        // Three nodes ask at once: exactly one gets it.
        let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
            for node in ["a", "b", "c"] { group.addTask { try await database.beginJob("purge", holder: node, at: self.start, lease: 300, isDue: daily) } }
            var count = 0
            for try await got in group where got { count += 1 }
            return count
        }
        #expect(taken == 1)
        // The holder died: after its lease another node takes the job, finishes it, and nobody runs it again today.
        let later = start.addingTimeInterval(301)
        #expect(try await database.beginJob("purge", holder: "d", at: later, lease: 300, isDue: daily))
        try await database.finishJob("purge", holder: "d", at: later)
        #expect(try await database.jobDone("purge") == later)
        #expect(try await !database.beginJob("purge", holder: "e", at: later.addingTimeInterval(60), lease: 300) { last in
            last.map { later.addingTimeInterval(60).timeIntervalSince($0) >= 86400 } ?? true
        })
        // A holder that gives the job back lets the next one in at once.
        #expect(try await database.beginJob("photos", holder: "a", at: start, lease: 300) { _ in true })
        try await database.releaseJob("photos", holder: "a")
        #expect(try await database.beginJob("photos", holder: "b", at: start, lease: 300) { _ in true })
        await database.close()
    }
}
