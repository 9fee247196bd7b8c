import Clocks
import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

/// The street fixture with every responder on a webhook of the loopback receiver at `/<responder id>`.
private func streetDatabase(_ base: String) async throws -> AppDatabase {
    let (database, _) = try await temporaryDatabase()
    guard case .street(var street, var communities) = try CommunityLoader.loadAny(path: streetFixture()) else {
        throw ImportError.unreadable("not a street")
    }
    func wire(_ responders: inout [Responder]) {
        for index in responders.indices { responders[index].channels = [.webhook(url: base + "/" + responders[index].id, secret: "s")] }
    }
    wire(&street.responders)
    for index in communities.indices { wire(&communities[index].responders) }
    try await database.importStreet(street, communities: communities)
    return database
}

@Suite("Dispatching for a street of communities")
struct StreetDispatchTests {
    @Test("a message speaks for its report's community; a department's and the street's name it; the street's step pages s-duty")
    func messages() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await streetDatabase(base)
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        let b = try await store.createReport(draft("hx-statue-square", category: "heating"), at: t0).report.number
        // Nobody takes it: 华信's ladder reaches its secretary and the street at 8 minutes.
        try await walk(dispatcher, clock, every: 60, for: 9 * 60)
        let worker = try #require(await receiver.received.first { $0.path == "/hx-wang" })
        let body = json(worker.body)
        #expect(body["community"] as? String == "华信社区")
        #expect(body["community_id"] as? Int == 2)
        #expect(await receiver.received.contains { $0.path == "/hx-sun" })
        #expect(!(await receiver.received.contains { $0.path == "/r-shang" }), "晨宇's secretary is not on 华信's ladder")
        let street = try #require(await receiver.received.first { $0.path == "/s-duty" })
        #expect(json(street.body)["community_id"] as? Int == 2)
        // Whistled to the shared department: its message names the community (it serves several).
        try await store.acknowledge(number: b, by: "hx-wang", at: t0.addingTimeInterval(600))
        try await store.whistle(number: b, by: "hx-wang", to: "d-city", note: "供热管道", at: t0.addingTimeInterval(660))
        try await walk(dispatcher, clock, every: 60, for: 3 * 60)
        let department = try #require(await receiver.received.first { $0.path == "/d-city" })
        #expect(json(department.body)["community"] as? String == "华信社区")
        let notification = Notification(
            event: .whistle, step: 0, responderID: "d-city", responderPhone: nil, community: "华信社区", reportNumber: b, status: .whistled,
            pointID: "hx-statue-square", pointName: "红哨塑像（华信广场）", pointKind: .statue, category: "heating", categoryLabel: "供暖",
            description: "不热", createdAt: t0, window: nil, link: "x")
        var named = notification
        named.namesCommunity = true
        #expect(named.text(now: t0).contains("华信社区 · 红哨塑像（华信广场） · 供暖"))
        #expect(!notification.text(now: t0).contains("华信社区"))
    }

    @Test("each community gets its own digest, at its own time, listing its own untaken reports")
    func digests() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await streetDatabase(base)
        let clock = TestClock<Duration>()
        // Sunday evening: one untaken report in each community.
        let start = local("2026-11-22T20:00:00")
        let a = try await store.createReport(draft("statue-south-gate"), at: start).report.number
        let b = try await store.createReport(draft("hx-statue-square"), at: start).report.number
        let dispatcher = dispatcher(store, clock: clock, epoch: start)
        try await walk(dispatcher, clock, every: 600, for: 14 * 3600)
        let digests: [String] = try await store.column(
            "SELECT idem_key FROM outbox WHERE event = 'report.digest' AND delivered_at IS NOT NULL ORDER BY idem_key")
        #expect(digests == ["digest/20261123/hx-sun/0", "digest/20261123/r-shang/0"])
        let forA = try #require(await receiver.received.first { $0.path == "/r-shang" && json($0.body)["event"] as? String == "report.digest" })
        let listA = (json(forA.body)["untaken"] as? [String: Any])?["reports"] as? [[String: Any]] ?? []
        #expect(listA.map { $0["number"] as? String } == [a])
        let forB = try #require(await receiver.received.first { $0.path == "/hx-sun" && json($0.body)["event"] as? String == "report.digest" })
        let listB = (json(forB.body)["untaken"] as? [String: Any])?["reports"] as? [[String: Any]] ?? []
        #expect(listB.map { $0["number"] as? String } == [b])
        #expect(json(forB.body)["community"] as? String == "华信社区")
    }
}
