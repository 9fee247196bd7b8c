import Foundation
import Synchronization
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// What one node's commit tells the others through PostgreSQL: a planned step wakes every listening dispatcher, and the
/// live feed shows events in the order their transactions committed (docs/plans/15-postgres.md §5.3, §5.9).
@Suite("Across nodes on PostgreSQL", .enabled(if: TestBackend.postgresURL != nil && TestBackend.isSQLite, "needs the test cluster; runs once"))
struct AcrossNodesTests {
    /// Node A's store holding the reference community, and node B's store on the same database.
    private func twoNodes() async throws -> (a: AppDatabase, b: AppDatabase) {
        let (a, address) = try await StoreBackend.postgres.emptyStoreAndAddress()
        try await a.importCommunity(try CommunityLoader.parse(try referenceYAML()))
        return (a, try await AppDatabase.open(address))
    }

    @Test("a report filed on node A wakes node B's listener at its commit; a transaction that plans nothing, or rolls back, does not")
    func notify() async throws {
        let (a, b) = try await twoNodes()
        let wakes = Counter()
        let listening = Task { try await b.listenForDueSteps { wakes.withLock { $0 += 1 } } }
        /// Waits (up to `limit`, for a loaded machine) for the `count`th wake-up; how long it took.
        func heard(_ count: Int, within limit: Duration = .seconds(10)) async throws -> Duration {
            let began = ContinuousClock.now
            while wakes.withLock({ $0 }) < count, began.duration(to: .now) < limit { try await Task.sleep(for: .milliseconds(10)) }
            #expect(wakes.withLock { $0 } == count)
            return began.duration(to: .now)
        }
        // Once on listening: whatever was sent while nobody listened is looked for then.
        _ = try await heard(1)
        // A transaction that plans no step (a scan counted) says nothing; nor does a report whose transaction fails.
        try await a.addScans([ScanTally(key: .init(pointID: "statue-south-gate", day: "2026-11-23"), count: 1)])
        await #expect(throws: (any Error).self) {
            try await a.createReport(ReportDraft(pointID: "nowhere", category: "water", description: "x", statusKeyHash: "h"), at: Date())
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(wakes.withLock { $0 } == 1)
        let draft = ReportDraft(pointID: "statue-south-gate", category: "water", description: "井盖松动", statusKeyHash: Secret.hash("k"))
        // The listener has no poll of its own: a second wake-up can only be A's notification (how soon is for
        // bench/, not a unit test).
        _ = try await a.createReport(draft, at: Date()).report
        _ = try await heard(2)
        listening.cancel()
        try? await listening.value
        await b.close()
        await a.close()
    }

    @Test("the feed is in commit order: an event committed while an older transaction runs is held back until it ends")
    func feedOrder() async throws {
        let (a, b) = try await twoNodes()
        let report = try await a.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "井盖松动", statusKeyHash: Secret.hash("k")), at: Date()
        ).report
        let reportID = try #require(report.id)
        // Other tests' writes in other databases of the cluster hold the feed back too (for 10 s at most): wait them out.
        func settled(_ condition: () async throws -> Bool) async throws {
            let began = ContinuousClock.now
            while try await !condition(), began.duration(to: .now) < .seconds(15) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await condition())
        }
        var start: Int64 = -1
        try await settled {
            start = try await b.feedStart()
            return try await b.events(after: 0).last?.event.id == start && start > 0
        }
        // Node A's transaction inserts an event (taking the lower id) and is slow to commit; node B's commits first.
        let inserted = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let slow = Task {
            try await a.write { tx in
                try tx.execute("INSERT INTO event (report_id, at, kind, actor, detail) VALUES (?, ?, 'note', 'r-zhao', '{}')", [reportID, Date()])
                inserted.signal()
                release.wait()
            }
        }
        await Task.detached { inserted.wait() }.value
        try await b.write { tx in
            try tx.execute("INSERT INTO event (report_id, at, kind, actor, detail) VALUES (?, ?, 'note', 'r-qian', '{}')", [reportID, Date()])
        }
        let ids = try await b.column("SELECT id FROM event ORDER BY id DESC LIMIT 1", as: Int64.self)
        let later = try #require(ids.first)
        #expect(try await b.events(after: start).isEmpty, "B's event waits: A's older transaction could still commit behind it")
        #expect(try await b.feedStart() == start)
        // Held back for a bounded time only (10 s; none here): a write left open elsewhere must not stall the feed.
        #expect(try await b.events(after: start, holdingBackAtMost: 0).map { $0.event.id } == [later])
        release.signal()
        try await slow.value
        var seen: [(event: Event, number: String, gridID: String)] = []
        try await settled {
            seen = try await b.events(after: start)
            return seen.count == 2
        }
        #expect(seen.map { $0.event.actor } == ["r-zhao", "r-qian"], "both, in commit order")
        #expect(seen.last?.event.id == later && seen.first.map { $0.event.id! < later } == true, "the first committed holds the higher id")
        // A client that saw only B's event resumes after it and gets nothing twice; one that saw A's gets B's.
        #expect(try await b.events(after: later).isEmpty)
        #expect(try await b.events(after: try #require(seen.first?.event.id)).map { $0.event.id } == [later])
        // A resumed feed starts where the client was, even above the last event's id; a made-up id starts at the end.
        #expect(try await b.feedStart(resuming: seen[0].event.id) == seen[0].event.id)
        #expect(try await b.feedStart(resuming: later + 1000) == later)
        await b.close()
        await a.close()
    }
}

/// A count shared with a listener's callback.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func withLock<T: Sendable>(_ body: (inout Int) -> T) -> T { count.withLock { body(&$0) } }
}
