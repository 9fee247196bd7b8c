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

    @Test("outbox bookkeeping: what is due, a delivery recorded once, a stale claimer ignored, a row given up",
          arguments: StoreBackend.available)
    func outbox(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        try await minimalRoster(database, at: start)
        let ids = try await database.write { tx -> [Int64] in
            let reportID = try #require(
                try tx.insert(Report(number: "20261123-0001", pointID: "statue-south-gate", category: "water", description: "漏水", createdAt: self.start, statusKeyHash: "h")))
            return try (0..<3).map { step in
                var entry = OutboxEntry(
                    reportID: reportID, responderID: "r-zhao", channel: 0, channelKind: "log", channelRef: "log", event: .notify, step: step,
                    dueAt: self.start.addingTimeInterval(Double(step) * 60), idemKey: "20261123-0001/notify/\(step)")
                entry.claimedBy = "node-a"
                return try #require(try tx.insert(entry))
            }
        }
        #expect(try await database.nextDue() == start)
        #expect(try await database.dueCount(at: start.addingTimeInterval(60)) == 2)
        // Delivered twice (a retry racing the first answer): recorded once.
        try await database.markDelivered(outboxID: ids[0], at: start)
        try await database.markDelivered(outboxID: ids[0], at: start.addingTimeInterval(1))
        // Another node's failure report for a row it no longer holds changes nothing; the holder's does.
        try await database.markFailed(outboxID: ids[1], claimer: "node-b", error: "timeout", retryAt: start.addingTimeInterval(600), at: start)
        #expect(try await database.nextDue() == start.addingTimeInterval(60))
        try await database.markFailed(outboxID: ids[1], claimer: "node-a", error: "HTTP 503", retryAt: start.addingTimeInterval(600), at: start)
        try await database.markFailed(outboxID: ids[2], claimer: "node-a", error: "HTTP 404", retryAt: nil, at: start)
        #expect(try await database.nextDue() == start.addingTimeInterval(600))
        try await database.postpone(outboxID: ids[1], claimer: "node-a", until: start.addingTimeInterval(900), reason: "robot at its limit")
        #expect(try await database.nextDue() == start.addingTimeInterval(600), "postponed only by its holder")
        let (kinds, rows) = try await database.read { tx in
            (
                try tx.fetchAll(Event.self, "SELECT * FROM event ORDER BY id").map(\.kind),
                try tx.fetchAll(OutboxEntry.self, "SELECT * FROM outbox ORDER BY id")
            )
        }
        #expect(kinds == [.notified, .deliveryFailed])
        #expect(rows.map(\.attempts) == [1, 1, 1])
        #expect(rows[0].deliveredAt == start && rows[2].failedAt == start && rows[1].lastError == "HTTP 503")
        #expect(try await database.reportCounts() == (1, 1))
        await database.close()
    }

    @Test("the catalogue's plain reads and a point's scan counts", arguments: StoreBackend.available)
    func catalogue(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        #expect(try await database.isEmpty())
        try await minimalRoster(database, at: start)
        #expect(try await !database.isEmpty())
        try await database.write { tx in
            try tx.insert(Point(id: "station-a", kind: .station, name: "服务站", gridID: "g1", code: PointCode.generate(), active: false))
        }
        #expect(try await database.points().map(\.id) == ["statue-south-gate"])
        #expect(try await database.points(includeInactive: true).map(\.id) == ["station-a", "statue-south-gate"])
        #expect(try await database.points(community: 2).isEmpty)
        #expect(try await database.point(id: "station-a")?.active == false)
        #expect(try await database.grids().map(\.id) == ["g1"])
        #expect(try await database.responders().map(\.id) == ["d-city", "r-qian", "r-zhao"])
        try await database.countScan(pointID: "statue-south-gate", at: start)
        try await database.addScans([
            ScanTally(key: .init(pointID: "statue-south-gate", day: ShanghaiTime.dayStamp(start)), count: 4),
            ScanTally(key: .init(pointID: "station-a", day: ShanghaiTime.dayStamp(start)), count: 2),
        ])
        let counts = try await database.read { tx in
            try tx.fetchAll("SELECT point_id, count FROM scan_count ORDER BY point_id", []).map {
                "\(try $0.get("point_id", as: String.self))=\(try $0.get("count", as: Int.self))"
            }
        }
        #expect(counts == ["station-a=2", "statue-south-gate=5"])
        await database.close()
    }

    @Test("the cached catalogue: loaded once, reloaded when any node changes it", arguments: StoreBackend.available)
    func snapshot(_ backend: StoreBackend) async throws {
        let (database, address) = try await backend.emptyStoreAndAddress()
        try await minimalRoster(database, at: start)
        let first = try await database.snapshot()
        #expect(first.communities[1]?.name == "晨宇社区" && first.communities[1]?.baseURL == "http://127.0.0.1:8080")
        #expect(first.street == nil)
        #expect(first.roster.responders["r-zhao"]?.role == .gridWorker && first.roster.grids["g1"] != nil)
        let statue = try #require(first.point(id: "statue-south-gate"))
        #expect(first.lookup(code: statue.code) == .active(statue))
        #expect(try await database.snapshot().version == first.version, "nothing changed: the cached one")
        // A second node (another store value on the same database) adds a point: the first node sees it at once.
        let other = try await AppDatabase.open(address)
        let code = PointCode.generate()
        try await other.write { tx in
            try tx.insert(Point(id: "station-b", kind: .station, name: "北门门卫室", gridID: "g1", code: code))
        }
        let second = try await database.snapshot()
        #expect(second.version > first.version)
        #expect(second.lookup(code: code) == .active(try #require(second.point(id: "station-b"))))
        await other.close()
        await database.close()
    }

    @Test("importing a street: the same summaries on both, again nothing changes, a refusal leaves it as it was, a rotated code is void",
          arguments: StoreBackend.available)
    func imports(_ backend: StoreBackend) async throws {
        let database = try await backend.emptyStore()
        guard case .street(let street, let communities) = try CommunityLoader.loadAny(path: streetFixture()) else {
            throw ImportError.unreadable("the street fixture is not a street file")
        }
        let summaries = try await database.importStreet(street, communities: communities, at: start)
        #expect(summaries.map(\.title) == ["street 建设街道", "community 1 晨宇社区", "community 2 华信社区"])
        #expect(summaries[0].responders.created == ["d-property", "d-city", "d-water", "s-duty"])
        #expect(summaries[1].duty.created == ["\(communities[0].duty.count) rows"] && summaries[2].points.created.contains("hx-statue-square"))
        let catalogue = try await database.snapshot()
        #expect(catalogue.communityList.map(\.name) == ["晨宇社区", "华信社区"] && catalogue.street?.name == "建设街道")
        #expect(catalogue.roster.schedule.shifts.map(\.responderID) == communities.flatMap(\.duty).map(\.responderID), "duty keeps the files' order")
        let again = try await database.importStreet(street, communities: communities, at: start.addingTimeInterval(60))
        #expect(again.allSatisfy { !$0.changed }, "\(again)")

        // A point's address cleared, a responder dropped: updated and deactivated, not deleted.
        var edited = communities[1]
        edited.points[0].address = nil
        let dropped = edited.responders.removeLast()
        let summary = try await database.importCommunity(edited, at: start.addingTimeInterval(120))
        #expect(summary.points.updated == [edited.points[0].id] && summary.responders.deactivated == [dropped.id])
        #expect(try await database.point(id: edited.points[0].id)?.address == nil)
        #expect(try await database.responders().first { $0.id == dropped.id }?.active == false)

        // A collision is refused whole: nothing of the file is written.
        var collision = communities[1]
        collision.points.append(communities[0].points[0])
        let before = try await database.points(includeInactive: true).map(\.id)
        await #expect(throws: ImportError.self) { try await database.importCommunity(collision, at: start) }
        #expect(try await database.points(includeInactive: true).map(\.id) == before)

        let point = try #require(try await database.point(id: "hx-statue-square"))
        let rotated = try await database.rotateCode(pointID: point.id, at: start)
        #expect(rotated.code != point.code)
        #expect(try await database.lookup(code: point.code) == .void(rotated))
        #expect(try await database.lookup(code: rotated.code) == .active(rotated))
        await database.close()
    }
}
