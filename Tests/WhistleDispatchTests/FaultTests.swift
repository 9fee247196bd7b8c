import Clocks
import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

/// Real seconds since `start`.
private func since(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Waits (real time, up to `limit` seconds) until `condition` holds; returns how long it took, or nil.
private func within(_ limit: Double, _ condition: () async throws -> Bool) async throws -> Double? {
    let start = ContinuousClock.now
    while since(start) < limit {
        if try await condition() { return since(start) }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition() ? since(start) : nil
}

/// Delivered rows' lateness (delivered minus due, in the dispatcher's wall time), by report number.
private func lateness(_ database: AppDatabase) async throws -> [(String, Double)] {
    try await database.read { tx in
        try tx.fetchAll(
            """
            SELECT report.number, outbox.due_at, outbox.delivered_at FROM outbox JOIN report ON report.id = outbox.report_id
            WHERE delivered_at IS NOT NULL ORDER BY outbox.id
            """, []
        ).map { row in (try row.get("number"), try row.get("delivered_at", as: Date.self).timeIntervalSince(try row.get("due_at", as: Date.self))) }
    }
}

/// Moves the test clock like a real one, a second at a time and only while the loop waits for it: a real clock never
/// jumps past a loop that is busy between sleeps (and one big jump then would wake nobody).
func tick(_ clock: TestClock<Duration>, _ seconds: Int, _ dispatcher: Dispatcher) async throws {
    for _ in 0..<seconds {
        for _ in 0..<2000 where !dispatcher.isParked { try await Task.sleep(for: .milliseconds(1)) }
        await clock.advance(by: .seconds(1))
        try await Task.sleep(for: .milliseconds(1))
    }
}

@Suite("Faults: slow channels, clock steps, a busy database", .serialized)
struct FaultTests {
    @Test("a channel that sends headers then stalls, and one that never answers, hold back no other report's steps")
    func stalledChannels() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.trickle("/hook")
        await receiver.delay("/ding", by: .seconds(600))
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        // A deadline longer than the whole test: the loop must not be waiting on these exchanges at all.
        // (The lease is in wall time, which the test clock runs far faster than the real seconds an exchange takes.)
        let dispatcher = dispatcher(store, clock: clock) {
            $0.requestTimeout = .seconds(60)
            $0.leaseMargin = 3600
        }
        let running = Task { try await dispatcher.run() }

        // Report A pages r-zhao, whose webhook stalls after its headers.
        _ = try await store.createReport(draft("statue-south-gate", category: "water"), at: t0)
        dispatcher.wake()
        #expect(try await within(10) { await receiver.count("/hook") == 1 } != nil)
        // Reports B and C (g2: r-qian on duty) go out at once, while A's exchange hangs.
        _ = try await store.createReport(draft("station-guard-north", category: "fire"), at: t0)
        _ = try await store.createReport(draft("merchant-pharmacy", category: "road"), at: t0)
        dispatcher.wake()
        let first = try await within(2) { await receiver.count("/wecom") == 2 }
        #expect(first != nil, "B and C reached r-qian within 2 s")

        // 3:00: A's step 1 (r-zhao again, and the backup r-qian) and B's and C's step 1 (r-qian). 6:00: r-li, whose robot
        // never answers, for all three. 9:00: the secretary. Each reaches every working channel within 2 s.
        for (minute, wecom, feishu) in [(3, 5, 0), (6, 5, 0), (9, 5, 3)] {
            try await tick(clock, 180, dispatcher)
            let took = try await within(2) {
                let counts = (await receiver.count("/wecom"), await receiver.count("/feishu"))
                return counts == (wecom, feishu)
            }
            let seen = (await receiver.count("/wecom"), await receiver.count("/feishu"))
            #expect(took != nil, "minute \(minute): \(seen.0) WeCom, \(seen.1) Feishu")
        }
        #expect(await receiver.count("/ding") == 3)
        // Stopping does not wait for the hung exchanges either.
        let stop = ContinuousClock.now
        running.cancel()
        _ = try? await running.value
        #expect(since(stop) < 2)
    }

    @Test("a pass ends at the deadline of the whole exchange, even when the body never finishes")
    func deadlineCoversTheBody() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.trickle("/hook")
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock) { $0.requestTimeout = .seconds(1) }
        _ = try await store.createReport(draft(), at: t0)
        let start = ContinuousClock.now
        try await dispatcher.pass()
        #expect(since(start) < 2.5)
        let row = try #require(try await store.outbox(reportID: 1).first { $0.step == 0 })
        #expect(row.deliveredAt == nil && row.failedAt == nil)
        #expect(row.lastError?.contains("no complete answer within 1 s") == true)
    }

    @Test("the wall clock stepped forward an hour, then back two: every step keeps its real-time distance, no false breach", .enabled(if: TestBackend.isSQLite, "on PostgreSQL a node's clock step does not move the shared schedule"))
    func clockSteps() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let time = ClockTimekeeper(clock: clock, epoch: t0)
        let dispatcher = dispatcher(store, clock: clock, time: time)
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        _ = try await store.createReport(draft(), at: t0)
        dispatcher.wake()
        try await eventually { try await delivered(store).count == 1 }

        // One minute in, NTP steps the wall clock an hour forward.
        try await tick(clock, 60, dispatcher)
        time.step(by: 3600)
        try await tick(clock, 2, dispatcher)
        try await eventually { try await store.report(number: "20261123-0001")?.promiseDueAt == t0.addingTimeInterval(600 + 3600) }
        #expect(try await delivered(store).count == 1, "nothing fired early")
        #expect(try await store.report(number: "20261123-0001")?.breachedAt == nil, "no false breach")
        // Step 1 falls at 3:00 of real time.
        try await tick(clock, 116, dispatcher)
        #expect(try await delivered(store).count == 1)
        try await tick(clock, 2, dispatcher)
        try await eventually { try await delivered(store).count == 3 }

        // Four minutes in, the clock is stepped two hours back: step 2 still falls at 6:00 of real time, not two hours on.
        try await tick(clock, 60, dispatcher)
        time.step(by: -7200)
        try await tick(clock, 2, dispatcher)
        try await eventually { try await store.report(number: "20261123-0001")?.promiseDueAt == t0.addingTimeInterval(600 - 3600) }
        try await tick(clock, 118, dispatcher)
        try await eventually { try await delivered(store).count == 4 }
        for (_, late) in try await lateness(store) { #expect(late >= 0 && late <= 2) }
        #expect(try await store.report(number: "20261123-0001")?.breachedAt == nil)
        // The promise breaks at 10:00 of real time, once.
        #expect(try await delivered(store).count == 4)
        try await tick(clock, 240, dispatcher)
        try await eventually { try await store.report(number: "20261123-0001")?.breachedAt != nil }
    }

    @Test("a write lock held by another connection delays a step by no more than the lock, and the loop goes on", .enabled(if: TestBackend.isSQLite, "SQLite's write lock"))
    func busyDatabase() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock)
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        _ = try await store.createReport(draft(), at: t0)
        dispatcher.wake()
        try await eventually { try await delivered(store).count == 1 }

        // Another process (the CLI importing, a backup) holds the write lock across step 1's time.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let other = try DatabaseQueue(path: store.path, configuration: configuration)
        let locked = AsyncStream.makeStream(of: Void.self)
        let holder = Task.detached {
            defer { locked.continuation.finish() }
            try other.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.continuation.yield()
                Thread.sleep(forTimeInterval: 1.5)
                try db.execute(sql: "COMMIT")
            }
        }
        var iterator = locked.stream.makeAsyncIterator()
        await iterator.next()
        try await tick(clock, 179, dispatcher)
        let start = ContinuousClock.now
        try await tick(clock, 1, dispatcher)
        let took = try await within(5) { try await delivered(store).count == 3 }
        try await holder.value
        #expect(took != nil)
        #expect(since(start) < 1.5 + 2, "step 1 out within 2 s of the lock's release")
        // And the loop still runs: step 2 at 6:00.
        try await tick(clock, 180, dispatcher)
        try await eventually { try await delivered(store).count == 4 }
    }

    @Test("a report filed after a clock step but before the loop notices it keeps its own times", .enabled(if: TestBackend.isSQLite, "on PostgreSQL a node's clock step does not move the shared schedule"))
    func reportDuringStep() async throws {
        let store = try await database()
        let clock = TestClock<Duration>()
        let time = ClockTimekeeper(clock: clock, epoch: t0)
        let dispatcher = dispatcher(store, clock: clock, time: time)
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        _ = try await store.createReport(draft(), at: t0)
        dispatcher.wake()
        try await eventually { try await delivered(store).count == 1 }
        try await tick(clock, 30, dispatcher)
        time.step(by: 3600)
        // Filed in the new frame, before the loop's next tick.
        let later = try await store.createReport(draft("station-guard-north"), at: time.now()).report
        try await tick(clock, 2, dispatcher)
        try await eventually { try await store.report(number: "20261123-0001")?.promiseDueAt == t0.addingTimeInterval(600 + 3600) }
        #expect(try await store.report(number: later.number)?.promiseDueAt == later.createdAt.addingTimeInterval(600))
    }

    @Test("with every delivery slot taken by a hung channel, the loop waits instead of spinning over rows it cannot claim", .enabled(if: TestBackend.isSQLite, "counts statements with SQLite's trace"))
    func fullLoopDoesNotSpin() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.delay("/hook", by: .seconds(600))
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        let dispatcher = dispatcher(store, clock: clock) {
            $0.maxInFlight = 1
            $0.requestTimeout = .seconds(60)
            $0.leaseMargin = 3600
        }
        for category in ["water", "road", "fire"] { _ = try await store.createReport(draft(category: category), at: t0) }
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        dispatcher.wake()
        try await eventually { await receiver.count("/hook") == 1 }
        final class Count: @unchecked Sendable {
            let lock = NSLock()
            var value = 0
        }
        let statements = Count()
        try await store.writer.write { db in db.trace(options: .statement) { _ in statements.lock.withLock { statements.value += 1 } } }
        try await Task.sleep(for: .seconds(1))
        try await store.writer.write { db in db.trace(options: []) { _ in } }
        // Spinning ran thousands of statements a second; waiting runs none.
        #expect(statements.lock.withLock { statements.value } < 50)
        #expect(await receiver.count("/hook") == 1)
    }
}
