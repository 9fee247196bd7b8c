import Clocks
import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

@Suite("Escalation timeline (TestClock)")
struct TimelineTests {
    @Test("an ack at 2 minutes stops everything: no later step, no breach")
    func ackStops() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher.pass()
        #expect(try await delivered(store) == ["0 r-zhao report.notify"])
        await clock.advance(by: .seconds(120))
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0.addingTimeInterval(120))
        try await walk(dispatcher, clock, every: 30, for: 30 * 60)
        #expect(try await delivered(store) == ["0 r-zhao report.notify"])
        let report = try #require(try await store.report(number: "20261123-0001"))
        #expect(report.breachedAt == nil)
        // The promise's steps; the reminder to resolve within 24 h stays planned.
        let pending = try await store.outbox(reportID: report.id!).filter { $0.deliveredAt == nil && $0.stage == .promise }
        #expect(!pending.isEmpty)
        #expect(pending.allSatisfy { $0.cancelledAt != nil })
    }

    @Test("no ack walks every step at its minute, the breach at 10:00, then re-notifies every 5 minutes")
    func noAck() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher.pass()
        try await walk(dispatcher, clock, every: 15, for: 16 * 60)
        let rows = try await store.read { tx in
            try tx.fetchAll("SELECT step, responder_id, event, due_at, delivered_at FROM outbox WHERE delivered_at IS NOT NULL ORDER BY due_at, id", [])
        }
        let plan = try rows.map { row -> String in
            let due = try row.get("due_at", as: Date.self).timeIntervalSince(t0)
            return "\(Int(due) / 60):\(String(format: "%02d", Int(due) % 60)) \(try row.get("responder_id", as: String.self)) \(try row.get("event", as: String.self))"
        }
        #expect(plan == [
            "0:00 r-zhao report.notify",
            "3:00 r-zhao report.notify", "3:00 r-qian report.notify",
            "6:00 r-li report.notify",
            "9:00 r-shang report.notify",
            "10:00 r-shang report.breach",
            "15:00 r-zhao report.breach", "15:00 r-li report.breach", "15:00 r-shang report.breach",
        ])
        // Each was delivered within one walk step of its due time, none early.
        for row in rows {
            let lag = try row.get("delivered_at", as: Date.self).timeIntervalSince(try row.get("due_at", as: Date.self))
            #expect(lag >= 0 && lag <= 15)
        }
        let report = try #require(try await store.report(number: "20261123-0001"))
        #expect(report.breachedAt == t0.addingTimeInterval(600))
        let kinds = try await store.events(reportID: report.id!).map(\.kind)
        #expect(kinds.filter { $0 == "breached" }.count == 1)
    }

    @Test("a step is sent to whoever is on duty at the step's time, across a shift change")
    func shiftChange() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        // Friday 19:58 at the north gate (g2): r-qian until 20:00, then r-zhao's night shift.
        let start = local("2026-11-27T19:58:00")
        let dispatcher = dispatcher(store, clock: clock, epoch: start)
        _ = try await store.createReport(draft("station-guard-north"), at: start)
        try await dispatcher.pass()
        try await walk(dispatcher, clock, every: 60, for: 4 * 60)
        #expect(try await delivered(store, number: "20261127-0001") == ["0 r-qian report.notify", "1 r-zhao report.notify"])
    }

    @Test("a shift across midnight: Saturday 03:00 belongs to Friday's night shift")
    func overnight() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let start = local("2026-11-28T03:00:00")
        _ = try await store.createReport(draft("station-guard-north"), at: start)
        try await dispatcher(store, clock: clock, epoch: start).pass()
        // Saturday also has r-zhao's all-day weekend row; either way the night shift is covered, not the leader.
        #expect(try await delivered(store, number: "20261128-0001") == ["0 r-zhao report.notify"])
    }

    @Test("nobody on duty: the step goes to the grid leader")
    func nobodyOnDuty() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        // Monday 07:00 at g2: the day shift starts at 08:00, Sunday had no night shift.
        let start = local("2026-11-23T07:00:00")
        let created = try await store.createReport(draft("station-guard-north"), at: start)
        #expect(created.dutyGaps.contains(0))
        try await dispatcher(store, clock: clock, epoch: start).pass()
        #expect(try await delivered(store, number: "20261123-0001") == ["0 r-li report.notify"])
    }

    @Test("whistled to a department: it gets report.whistle and its own window; reporting in stops it")
    func departmentWindow() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher.pass()
        await clock.advance(by: .seconds(60))
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0.addingTimeInterval(60))
        await clock.advance(by: .seconds(60))
        try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "d-city", note: "路面塌陷需城管处理", at: t0.addingTimeInterval(120))
        try await dispatcher.pass()
        // The department's steps follow the same policy: at once, +3 min again.
        try await walk(dispatcher, clock, every: 30, for: 4 * 60)
        #expect(try await delivered(store) == ["0 r-zhao report.notify", "0 d-city report.whistle", "1 d-city report.whistle"])
        try await store.acknowledge(number: "20261123-0001", by: "d-city", at: t0.addingTimeInterval(6 * 60))
        try await walk(dispatcher, clock, every: 30, for: 20 * 60)
        #expect(try await delivered(store).count == 3)
        let report = try #require(try await store.report(number: "20261123-0001"))
        #expect(report.status == .whistled)
        #expect(report.reportedInAt == t0.addingTimeInterval(6 * 60))
        #expect(try await store.events(reportID: report.id!).map(\.kind).contains("reported_in"))
    }

    @Test("a department that never reports in: leader, secretary, then the breach goes to the secretary")
    func departmentBreach() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0)
        try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "d-property", note: "物业维修", at: t0)
        try await walk(dispatcher, clock, every: 30, for: 11 * 60)
        let lines = try await delivered(store)
        #expect(lines == ["0 d-property report.whistle", "1 d-property report.whistle", "2 r-li report.whistle", "3 r-shang report.whistle", "4 r-shang report.breach"])
    }

    @Test("whistling to someone who is not a department is refused")
    func notADepartment() async throws {
        let store = try await database()
        _ = try await store.createReport(draft(), at: t0)
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0)
        await #expect(throws: StoreError.notAllowed("'r-qian' is a grid_worker, not a department")) {
            try await store.whistle(number: "20261123-0001", by: "r-zhao", to: "r-qian", note: "x", at: t0)
        }
    }

    @Test("the real loop sleeps until the next step on the clock, and wakes at once for a new report")
    func loop() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        _ = try await store.createReport(draft(), at: t0)
        dispatcher.wake()
        try await eventually { try await delivered(store).count == 1 }
        try await tick(clock, 179, dispatcher)
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await delivered(store).count == 1)
        await clock.advance(by: .seconds(1))
        try await eventually { try await delivered(store).count == 3 }
    }

    @Test("on a shared store, a report filed through another node wakes the loop at its commit, not at the next poll",
        .enabled(if: !TestBackend.isSQLite, "SQLite has one process, which wakes its own dispatcher"))
    func wokenByAnotherNode() async throws {
        let (store, address) = try await temporaryDatabase()
        try await store.importCommunity(try community(channels: { _ in [.log] }))
        let other = try await AppDatabase.open(address)
        let clock = TestClock<Duration>()
        // The poll would be an hour away on the test clock, which never moves here: only a notification can wake it.
        let dispatcher = dispatcher(store, clock: clock) { $0.sharedPoll = 3600; $0.idle = 3600 }
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        // Listening, and past the look it takes when it starts listening: parked until woken.
        try await eventually { dispatcher.hearsOtherNodes }
        try await Task.sleep(for: .milliseconds(200))
        try await eventually { dispatcher.isParked }
        _ = try await other.createReport(draft(), at: t0)
        try await eventually { try await delivered(store).count == 1 }
        await other.close()
    }
}

/// Waits (in real time, up to 10 s on a loaded machine) for a condition the dispatcher's own task makes true.
func eventually(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<1000 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    #expect(try await condition(), "condition never became true")
}

@Suite("Reminders to resolve (TestClock)")
struct ReminderTests {
    @Test("taken but not fixed within 24 h: the taker is reminded, then the grid leader")
    func reminders() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher.pass()
        await clock.advance(by: .seconds(60))
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0.addingTimeInterval(60))
        try await walk(dispatcher, clock, every: 1800, for: 27 * 3600)
        let reminders = try await delivered(store).filter { $0.hasSuffix("report.remind") }
        #expect(reminders == ["0 r-zhao report.remind", "1 r-li report.remind"])
    }

    @Test("fixed in time: no reminder")
    func noReminder() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        _ = try await store.createReport(draft(), at: t0)
        try await store.acknowledge(number: "20261123-0001", by: "r-zhao", at: t0.addingTimeInterval(60))
        try await store.resolve(number: "20261123-0001", by: "r-zhao", note: "ok", at: t0.addingTimeInterval(3600))
        try await walk(dispatcher, clock, every: 1800, for: 27 * 3600)
        #expect(try await delivered(store).filter { $0.hasSuffix("report.remind") }.isEmpty)
    }
}
