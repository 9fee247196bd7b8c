import Foundation
import GRDB
import Logging
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore

/// The reference community with every channel turned into `log`, except the secretary's Feishu bot.
private func database() throws -> AppDatabase {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let database = try AppDatabase.open(path: folder.appendingPathComponent("test.sqlite").path)
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
    var community = try CommunityLoader.load(path: root.appendingPathComponent("assets/demo/community.yaml").path)
    for index in community.responders.indices where community.responders[index].role != .secretary {
        community.responders[index].channels = [.log]
    }
    try database.importCommunity(community)
    return database
}

private let t0 = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00+08:00")!

@Suite("Dispatcher")
struct DispatcherTests {
    let logger = Logger(label: "test")

    @Test("steps are delivered when due and not before")
    func dueSteps() async throws {
        let store = try database()
        let created = try await store.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: "h"), at: t0)
        let dispatcher = Dispatcher(database: store, logger: logger)
        try await dispatcher.deliverDue(at: t0)
        var outbox = try await store.outbox(reportID: created.report.id!)
        #expect(outbox.filter { $0.deliveredAt != nil }.map(\.step) == [0])
        try await dispatcher.deliverDue(at: t0.addingTimeInterval(179))
        #expect(try await store.outbox(reportID: created.report.id!).filter { $0.deliveredAt != nil }.count == 1)
        try await dispatcher.deliverDue(at: t0.addingTimeInterval(180))
        outbox = try await store.outbox(reportID: created.report.id!)
        #expect(outbox.filter { $0.deliveredAt != nil }.map(\.responderID) == ["r-zhao", "r-zhao", "r-qian"])
        let events = try await store.events(reportID: created.report.id!)
        #expect(events.map(\.kind) == ["created", "notified", "notified", "notified"])
    }

    @Test("once the report is taken, later steps are cancelled, not sent")
    func ackCancels() async throws {
        let store = try database()
        let created = try await store.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: "h"), at: t0)
        let dispatcher = Dispatcher(database: store, logger: logger)
        try await dispatcher.deliverDue(at: t0)
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE report SET status = 'acknowledged', ack_at = ?, ack_by = 'r-zhao'", arguments: [t0.addingTimeInterval(120)])
        }
        try await dispatcher.deliverDue(at: t0.addingTimeInterval(600))
        let outbox = try await store.outbox(reportID: created.report.id!)
        #expect(outbox.filter { $0.deliveredAt != nil }.count == 1)
        #expect(outbox.filter { $0.cancelledAt != nil }.count == outbox.count - 1)
    }

    @Test("a channel this build cannot deliver is recorded as failed, with the reason, and does not hold up others")
    func unsupported() async throws {
        let store = try database()
        let created = try await store.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: "h"), at: t0)
        try await Dispatcher(database: store, logger: logger).deliverDue(at: t0.addingTimeInterval(600))
        let outbox = try await store.outbox(reportID: created.report.id!)
        let feishu = try #require(outbox.first { $0.channelKind == "feishu" })
        #expect(feishu.failedAt != nil)
        #expect(feishu.lastError?.contains("feishu") == true)
        #expect(outbox.filter { $0.channelKind == "log" }.allSatisfy { $0.deliveredAt != nil })
    }
}
