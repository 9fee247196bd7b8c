import Clocks
import Foundation
import GRDB
import HTTPTypes
import Testing
import WhistleCore
@testable import WhistleDispatch
import WhistleStore
import WhistleTestSupport

/// Every SQL statement the writer connection runs while `work` runs.
private func statements(_ store: AppDatabase, during work: () async throws -> Void) async throws -> [String] {
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var sql: [String] = []
        func add(_ text: String) { lock.withLock { sql.append(text) } }
    }
    let log = Log()
    try await store.writer.write { db in db.trace(options: .statement) { event in if case .statement(let statement) = event { log.add(statement.sql) } } }
    try await work()
    try await store.writer.write { db in db.trace(options: []) { _ in } }
    return log.lock.withLock { log.sql }
}

/// Keys of every webhook/robot request the receiver saw.
private func keys(_ receiver: Receiver) async -> [String] {
    await receiver.received.compactMap { $0.headers[.init("X-Whistle-Delivery")!] }
}

@Suite("Dispatcher rules", .serialized)
struct DispatcherRuleTests {
    @Test("a pass reads indexes only: no statement scans the report, outbox or event table", .enabled(if: TestBackend.isSQLite, "SQLite's query plans"))
    func passCostsWhatIsDue() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        // A history: reports taken, resolved and open; then one pass with something of everything due.
        _ = try await store.seedHistory(reports: 3000, days: 30, now: t0)
        _ = try await store.createReport(draft(), at: t0)
        _ = try await store.createReport(draft("station-guard-north"), at: t0.addingTimeInterval(-700))
        let dispatcher = dispatcher(store, clock: clock)
        let sql = try await statements(store) { try await dispatcher.pass() }
        #expect(sql.contains { $0.contains("FROM outbox") })
        for statement in Set(sql) where statement.hasPrefix("SELECT") || statement.hasPrefix("UPDATE") {
            // Parameters as NULLs: the plan does not depend on their values.
            let numbered = Set(statement.matches(of: /\?(\d+)/).map { $0.output.1 }).count
            let count = numbered > 0 ? numbered : statement.filter { $0 == "?" }.count
            let plan = try await store.writer.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + statement, arguments: StatementArguments(Array(repeating: DatabaseValue.null, count: count))
                ).map { $0["detail"] as String }
            }
            // A scan is allowed only over a partial index, which holds just the live rows.
            let partial = ["report_breach_due", "report_untaken", "outbox_due"]
            for step in plan where ["SCAN report", "SCAN outbox", "SCAN event"].contains(where: step.hasPrefix) {
                #expect(partial.contains { step.contains("INDEX \($0)") }, "\(statement): \(step)")
            }
        }
    }

    @Test("the dispatcher's bookkeeping commits without waiting for the disk, and leaves the writer at synchronous=FULL", .enabled(if: TestBackend.isSQLite, "SQLite's pragmas"))
    func bookkeepingLeavesFull() async throws {
        let store = try await database()
        _ = try await store.createReport(draft(), at: t0)
        let clock = TestClock<Duration>()
        try await dispatcher(store, clock: clock).pass()
        #expect(try await delivered(store) == ["0 r-zhao report.notify"])
        #expect(try store.pragmas().synchronous == 2)
        // A report after it is as durable as ever.
        _ = try await store.createReport(draft("station-guard-north"), at: t0)
        #expect(try store.pragmas().synchronous == 2)
    }

    @Test("two dispatchers on one file deliver every step once, under one key")
    func twoProcesses() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: { _ in [.webhook(url: base + "/hook", secret: "s")] })
        let other = try await AppDatabase.open(store.path)
        let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
        for point in ["statue-south-gate", "station-service-centre", "station-guard-north", "merchant-pharmacy"] {
            for category in categories { _ = try await store.createReport(draft(point, category: category), at: t0) }
        }
        let clock = TestClock<Duration>()
        let first = dispatcher(store, clock: clock)
        let second = dispatcher(other, clock: clock)
        for _ in 0..<4 {
            async let a: Void = first.pass()
            async let b: Void = second.pass()
            _ = try await (a, b)
            await clock.advance(by: .seconds(180))
        }
        let sent = await keys(receiver)
        #expect(sent.count == Set(sent).count, "no key sent twice")
        let due = try await store.value("SELECT COUNT(*) FROM outbox WHERE due_at <= ?", [t0.addingTimeInterval(540)], as: Int.self) ?? -1
        #expect(sent.count == due)
    }

    @Test("a claimer that dies mid-delivery loses its rows when the lease runs out; they go out once, under the same key")
    func leaseExpires() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: { _ in [.webhook(url: base + "/hook", secret: "s")] })
        _ = try await store.createReport(draft(), at: t0)
        // A process claims step 0 and is killed before it sends anything.
        let claimed = try await store.claimDue(at: t0, lease: 30, claimer: "dead")
        #expect(claimed.deliveries.count == 1)
        let clock = TestClock<Duration>()
        let survivor = dispatcher(store, clock: clock)
        try await survivor.pass()
        #expect(await receiver.count("/hook") == 0, "still leased")
        await clock.advance(by: .seconds(31))
        try await survivor.pass()
        #expect(await keys(receiver) == ["20261123-0001/notify/0/r-zhao/0"])
        // The dead claimer's late report of a failure changes nothing.
        try await store.markFailed(outboxID: claimed.deliveries[0].entry.id!, claimer: "dead", error: "x", retryAt: nil, at: t0.addingTimeInterval(40))
        let row = try #require(try await store.outbox(reportID: 1).first)
        #expect(row.deliveredAt != nil && row.failedAt == nil)
    }

    @Test("a robot at its limit: every report is named in a message or stays pending; nothing is cut or lost")
    func foldingKeepsEveryReport() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        // Everyone on one WeCom group robot (20 messages a minute, 2048 bytes a message); 32 reports at once.
        let store = try await database(channels: { _ in [.wecom(url: base + "/wecom?key=K")] })
        var numbers: [String] = []
        let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
        for point in ["statue-south-gate", "station-service-centre", "station-guard-north", "merchant-pharmacy"] {
            for category in categories { numbers.append(try await store.createReport(draft(point, category: category), at: t0).report.number) }
        }
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        try await dispatcher.pass()
        let messages = await receiver.received.map(text)
        #expect(messages.count <= 20)
        #expect(messages.allSatisfy { $0.utf8.count <= 2048 })
        let delivered: [String] = try await store.column(
            "SELECT DISTINCT report.number FROM outbox JOIN report ON report.id = outbox.report_id WHERE delivered_at IS NOT NULL")
        for number in delivered { #expect(messages.contains { $0.contains(number) }, "\(number) marked delivered but named in no message") }
        let all = messages.joined(separator: "\n")
        for number in numbers { #expect(all.contains(number), "\(number) never sent") }
    }

    @Test("folding: singles while there is room, the overflow in as few messages as fit, the rest waits")
    func foldingPlan() {
        // 30 rows, room for 20, 10 lines a message: 18 singles and 2 folded messages (one folded cannot hold 11).
        let plan = Folding.plan(lineBytes: Array(repeating: 100, count: 30), headerBytes: 0, room: 20, limit: 1010)
        #expect(plan.messages.count == 20 && plan.waiting.isEmpty)
        #expect(plan.messages.filter { $0.count > 1 }.map(\.count) == [10, 2])
        #expect(plan.messages.flatMap { $0 }.sorted() == Array(0..<30))
        // 100 rows, room for 2: two full messages of 10; 80 wait for the next window.
        let tight = Folding.plan(lineBytes: Array(repeating: 100, count: 100), headerBytes: 0, room: 2, limit: 1010)
        #expect(tight.messages.map(\.count) == [10, 10])
        #expect(tight.waiting == Array(20..<100))
        // No room: everything waits.
        #expect(Folding.plan(lineBytes: [10, 10], headerBytes: 0, room: 0, limit: 100).waiting == [0, 1])
    }

    @Test("each message speaks of its own window: a department whistled hours later, a 30-minute promise, a reminder")
    func messagesTellTheirOwnClock() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        var community = try community(channels: { _ in [.wecom(url: base + "/wecom?key=K")] })
        community.policy = EscalationPolicy(
            promise: .seconds(1800), steps: [.init(after: .zero, notify: [.onDuty])], afterBreachEvery: .seconds(600), resolveWithin: .seconds(3600))
        let (store, _) = try temporaryStore()
        try await store.importCommunity(community)
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher.pass()
        #expect(await receiver.received.map(text).last?.contains("30 分钟承诺还剩 30 分钟") == true)
        // Taken at once, whistled to the city three hours later: the department is told its own 30 minutes.
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0.addingTimeInterval(60))
        await clock.advance(by: .seconds(3 * 3600))
        try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "d-property", note: "电梯", at: t0.addingTimeInterval(3 * 3600))
        try await dispatcher.pass()
        let whistle = try #require(await receiver.received.map(text).first { $0.contains("吹哨 · 请报到") })
        #expect(whistle.contains("请在 30 分钟内报到") && !whistle.contains("超时"), "\(whistle)")
        #expect(whistle.contains("whistle ack 20261123-0001"))
        // The reminder (resolve within 1 h of taking it) asks to resolve, not to take it.
        let reminders = await receiver.received.map(text).filter { $0.contains("待办结提醒") }
        #expect(reminders.count == 1)
        #expect(reminders.allSatisfy { $0.contains("whistle resolve") && !$0.contains("接单：") && !$0.contains("whistle ack") })
    }

    @Test("whistling again ends the first department's window: it is paged no more, its breach is cancelled")
    func whistleAgain() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0)
        try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "d-property", note: "物业", at: t0)
        try await dispatcher.pass()
        await clock.advance(by: .seconds(60))
        try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "d-city", note: "改派城管", at: t0.addingTimeInterval(60))
        try await walk(dispatcher, clock, every: 30, for: 20 * 60)
        let property = try await delivered(store).filter { $0.contains("d-property") }
        #expect(property == ["0 d-property report.whistle"])
        let report = try #require(try await store.report(number: "20261123-0001"))
        let pending = try await store.outbox(reportID: report.id!).filter { $0.responderID == "d-property" && $0.deliveredAt == nil }
        #expect(!pending.isEmpty && pending.allSatisfy { $0.cancelledAt != nil })
        // The new department can report in; the old one cannot.
        await #expect(throws: StoreError.self) { try await store.acknowledge(number: "20261123-0001", by: "d-property", at: t0.addingTimeInterval(1300)) }
        try await store.acknowledge(number: "20261123-0001", by: "d-city", at: t0.addingTimeInterval(1300))
    }

    @Test("a re-import that reorders a responder's channels sends each pending step down the channel it was planned for")
    func channelIdentity() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let both: [WhistleCore.Channel] = [.webhook(url: base + "/hook", secret: "s"), .wecom(url: base + "/wecom?key=K")]
        let store = try await database(channels: { $0.id == "r-zhao" ? both : [.log] })
        _ = try await store.createReport(draft(), at: t0)
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        try await dispatcher.pass()
        #expect(await receiver.count("/hook") == 1)
        #expect(await receiver.count("/wecom") == 1)
        // The office swaps r-zhao's channels and drops nothing; then step 1 falls due.
        try await store.importCommunity(try community(channels: { $0.id == "r-zhao" ? both.reversed() : [.log] }))
        await clock.advance(by: .seconds(180))
        try await dispatcher.pass()
        let hooks = await receiver.received.filter { $0.path == "/hook" }
        #expect(hooks.count == 2)
        #expect(hooks.allSatisfy { json($0.body)["event"] as? String == "report.notify" })
        #expect(await receiver.count("/wecom") == 2)
        // A channel removed from the file: its pending step is given up with the reason, not sent elsewhere.
        try await store.importCommunity(try community(channels: { $0.id == "r-zhao" ? [.wecom(url: base + "/wecom?key=K")] : [.log] }))
        _ = try await store.createReport(draft("station-service-centre"), at: t0.addingTimeInterval(200))
        try await dispatcher.pass()
        #expect(await receiver.count("/hook") == 2)
    }

    @Test("a reopened report is reminded again")
    func reopenReminds() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0)
        try await store.resolve(number: "20261123-0001", by: "r-zhao", note: "修好了", at: t0.addingTimeInterval(600))
        try await store.reopen(number: "20261123-0001", by: "r-li", note: "又漏了", at: t0.addingTimeInterval(3600))
        await clock.advance(by: .seconds(3600))
        try await walk(dispatcher, clock, every: 1800, for: 27 * 3600)
        #expect(try await delivered(store).filter { $0.hasSuffix("report.remind") } == ["0 r-zhao report.remind", "1 r-li report.remind"])
    }

    @Test("housekeeping that fails is tried again on the next minute's pass, and stamps the injected clock", .enabled(if: TestBackend.isSQLite, "fails through a SQLite temp trigger"))
    func housekeepingRetries() async throws {
        let store = try await database()
        var old = draft()
        old.phone = "13800000009"
        _ = try await store.createReport(old, at: t0.addingTimeInterval(-400 * 86400))
        // A phone signed out long ago: its session and link go with the day's housekeeping.
        let link = try await store.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: t0.addingTimeInterval(-90 * 86400))
        _ = try await store.redeemLoginLink(token: link, app: .wecom, at: t0.addingTimeInterval(-90 * 86400))
        try await store.revokeSignIns(responderID: "r-zhao", at: t0.addingTimeInterval(-89 * 86400))
        try await store.writer.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER broken BEFORE UPDATE OF phone ON report BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        }
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        await #expect(throws: (any Error).self) { try await dispatcher.pass() }
        #expect(try await store.jobDone("purge") == nil, "not marked done")
        try await store.write { tx in try tx.execute("DROP TRIGGER broken") }
        await clock.advance(by: .seconds(61))
        try await dispatcher.pass()
        #expect(try await store.jobDone("purge") == t0.addingTimeInterval(61))
        let removed = try await store.events(reportID: 1).first { $0.kind == "personal_data_removed" }
        #expect(removed?.at == t0.addingTimeInterval(61))
        #expect(try await store.sessions(responderID: "r-zhao").isEmpty)
    }

    @Test("a backlog never delays a new report: first steps go ahead of 5,000 overdue rows; repeats are bounded, then a digest")
    func backlogAndBoundedRepeats() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        // An old version's backlog: 5,000 re-notifications overdue for reports long open.
        _ = try await store.seedHistory(reports: 2000, days: 30, now: t0.addingTimeInterval(-3600))
        try await store.write { tx in
            let open = try tx.fetchAll("SELECT id FROM report WHERE status = 'open'", []).map { try $0.get("id", as: Int64.self) }
            for index in 0..<5000 {
                try tx.execute(
                    """
                    INSERT INTO outbox (report_id, responder_id, channel, channel_kind, channel_ref, event, step, stage, priority, due_at,
                        next_try_at, idem_key) VALUES (?, 'r-zhao', 0, 'log', 'log', 'report.breach', 9, 'promise', 2, ?, ?, ?)
                    """, [open[index % open.count], t0.addingTimeInterval(-600), t0.addingTimeInterval(-600), "old/\(index)"])
            }
            // The old version planned these for open reports; they are live (the reports are open), just old.
        }
        let dispatcher = dispatcher(store, clock: clock)
        let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
        var created: [String] = []
        for point in ["statue-south-gate", "station-service-centre", "station-guard-north", "merchant-pharmacy"] {
            for category in categories.prefix(7) { created.append(try await store.createReport(draft(point, category: category), at: t0).report.number) }
        }
        #expect(created.count == 28)
        try await dispatcher.pass()
        for number in created { #expect(try await delivered(store, number: number).first?.hasPrefix("0 ") == true, "\(number)") }

        // A report nobody takes: the breach, three repeats five minutes apart, and then silence until the digest.
        let lonely = try await store.createReport(draft("statue-south-gate", category: "other"), at: t0).report.number
        try await walk(dispatcher, clock, every: 60, for: 6 * 3600)
        let repeats: [String] = try await store.column(
            """
            SELECT DISTINCT outbox.idem_key FROM outbox JOIN report ON report.id = outbox.report_id
            WHERE report.number = ? AND outbox.idem_key LIKE '%renotify%' AND delivered_at IS NOT NULL
            """, [lonely])
        #expect(Set(repeats.map { $0.split(separator: "/")[2] }) == ["1", "2", "3"])
        // One digest a day at 09:00 to the secretary, naming what nobody took: this morning's and the next.
        try await walk(dispatcher, clock, every: 600, for: 18 * 3600)
        let digests: [String] = try await store.column(
            "SELECT idem_key FROM outbox WHERE event = 'report.digest' AND delivered_at IS NOT NULL ORDER BY id")
        #expect(digests == ["digest/20261123/r-shang/0", "digest/20261124/r-shang/0"])
    }

    @Test("a digest for a robot fits its text limit, naming how many more there are, with category labels")
    func digestFits() {
        let items = (1...30).map {
            UntakenList.Item(number: String(format: "20261123-%04d", $0), pointName: "红哨塑像（南门）", category: "漏水 / 下水堵塞", createdAt: t0)
        }
        var note = Notification(
            event: .digest, step: 0, responderID: "r-shang", responderPhone: nil, community: "晨宇社区", reportNumber: "", status: .open,
            pointID: "", pointName: "", pointKind: .station, category: "", categoryLabel: "", description: "", createdAt: t0, window: nil,
            untaken: UntakenList(count: 120, oldest: items), link: "http://127.0.0.1:8080/api/v1/reports?status=open")
        note.textBytes = 2048
        let text = note.text(now: t0)
        #expect(text.utf8.count <= 2048)
        #expect(text.contains("共 120 件") && text.contains("20261123-0001") && text.contains("……另有"))
    }
}

/// A fresh, empty database file.
func temporaryStore() throws -> (AppDatabase, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("test.sqlite").path
    return (try AppDatabase.open(path: path), path)
}
