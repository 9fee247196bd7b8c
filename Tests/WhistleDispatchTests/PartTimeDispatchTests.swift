import Clocks
import Foundation
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

/// What the grid hears about a part-time grid worker's report (兼职网格员, #17).
@Suite("Part-time grid workers' reports on the ladder")
struct PartTimeDispatchTests {
    @Test("the grid is paged with the typed place and the finder's name and employer, never the finder's phone")
    func paged() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let (store, _) = try await temporaryDatabase()
        var community = try CommunityLoader.parse(withPartTime(try referenceYAML()))
        for index in community.responders.indices where community.responders[index].role != .partTime {
            community.responders[index].channels = [.webhook(url: base + "/" + community.responders[index].id, secret: "s")]
        }
        try await store.importCommunity(community)
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(
            ReportDraft(pointID: "grid:g1", category: "water", description: "井盖松动", statusKeyHash: "h", foundBy: "pt-xu", place: "3号楼东侧"),
            at: t0)
        try await walk(dispatcher, clock, every: 60, for: 60)
        let message = try #require(await receiver.received.first { $0.path == "/r-zhao" })
        let report = json(message.body)["report"] as? [String: Any]
        #expect((report?["point"] as? [String: Any])?["name"] as? String == "第一网格 · 3号楼东侧")
        let finder = report?["found_by"] as? [String: Any]
        #expect(finder?["id"] as? String == "pt-xu" && finder?["name"] as? String == "徐超" && finder?["employer"] as? String == "顺丰")
        let raw = String(decoding: message.body, as: UTF8.self)
        #expect(!raw.contains("13900000007") && !raw.contains("139****0007"))
        // Nobody pages the finder.
        #expect(!(await receiver.received.contains { $0.path == "/pt-xu" }))
    }

    @Test("a robot's text names the place and who found it")
    func text() {
        var note = Notification(
            event: .notify, step: 0, responderID: "r-zhao", responderPhone: nil, community: "晨宇社区", reportNumber: "20261123-0001",
            status: .open, pointID: "grid:g1", pointName: "第一网格 · 3号楼东侧", pointKind: .grid, category: "water", categoryLabel: "漏水",
            description: "井盖松动", createdAt: t0, window: nil, link: "x")
        #expect(!note.text(now: t0).contains("发现人"))
        note.finderID = "pt-xu"
        note.finderName = "徐超"
        note.finderEmployer = "顺丰"
        let text = note.text(now: t0)
        #expect(text.contains("第一网格 · 3号楼东侧 · 漏水") && text.contains("发现人：兼职网格员 徐超 (顺丰)"))
    }

    @Test("an Open311 report pages the grid like a resident's; the client's names, email and ids never reach a channel")
    func open311() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let (store, _) = try await temporaryDatabase()
        var community = try CommunityLoader.parse(try referenceYAML())
        for index in community.responders.indices {
            community.responders[index].channels = [.webhook(url: base + "/" + community.responders[index].id, secret: "s")]
        }
        try await store.importCommunity(community)
        let issued = try await store.issueIntegrationKey(name: "city311", communities: [1])
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        var draft = ReportDraft(pointID: "statue-south-gate", category: "water", description: "下水道冒水", phone: "13800000009", statusKeyHash: "h")
        draft.integrationID = try #require(try await store.integration(key: issued.key)).id
        draft.submitter = Submitter(
            integrationName: "city311", deviceID: "dev-secret", accountID: "acc-secret", firstName: "Lilian", lastName: "Zhang",
            email: "lilian@example.org")
        _ = try await store.createReport(draft, at: t0)
        try await walk(dispatcher, clock, every: 60, for: 60)
        let messages = await receiver.received
        #expect(messages.contains { $0.path == "/r-zhao" })
        for message in messages {
            let raw = String(decoding: message.body, as: UTF8.self)
            for secret in ["Lilian", "Zhang", "lilian@example.org", "dev-secret", "acc-secret", "13800000009"] {
                #expect(!raw.contains(secret), "\(message.path) carries \(secret)")
            }
        }
    }
}
