import Foundation
import Testing
import WhistleStore
import WhistleTestSupport

/// Limits several nodes share through PostgreSQL: a resident's bucket and a robot's window are theirs, whichever node
/// they reach (docs/plans/15-postgres.md §5).
@Suite("Shared limits on PostgreSQL", .enabled(if: TestBackend.postgresURL != nil && TestBackend.isSQLite, "needs the test cluster; runs once"))
struct SharedLimitsTests {
    let start = Date(timeIntervalSince1970: 1_795_395_600)

    @Test("one resident's bucket, taken from two nodes at once: exactly its burst gets through, then one per refill")
    func buckets() async throws {
        let (a, address) = try await StoreBackend.postgres.emptyStoreAndAddress()
        let b = try await AppDatabase.open(address)
        #expect(a.isShared && b.isShared)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                let node = index % 2 == 0 ? a : b
                group.addTask { try await node.takeToken(bucket: "client", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: self.start) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 4, "the burst is the resident's, not each node's")
        #expect(try await a.takeToken(bucket: "client", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: start, peek: true) == false)
        #expect(try await b.takeToken(bucket: "client", key: "10.0.0.8", burst: 4, refillSeconds: 60, now: start), "another resident has their own")
        #expect(try await b.takeToken(bucket: "point", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: start), "another bucket too")
        // A minute on, one token is back: one of the two nodes gets it.
        let later = start.addingTimeInterval(60)
        async let x = a.takeToken(bucket: "client", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: later)
        async let y = b.takeToken(bucket: "client", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: later)
        #expect(try await [x, y].filter { $0 }.count == 1)
        try await a.purgeRateBuckets(before: start.addingTimeInterval(86400 * 2))
        #expect(try await a.takeToken(bucket: "client", key: "10.0.0.7", burst: 4, refillSeconds: 60, now: later, peek: true), "forgotten: full")
        await b.close()
        await a.close()
    }

    @Test("a robot's 20 a minute across nodes: reservations add up to the limit, what is unused goes back, the window slides")
    func robots() async throws {
        let (a, address) = try await StoreBackend.postgres.emptyStoreAndAddress()
        let b = try await AppDatabase.open(address)
        let robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
        async let first = a.reserveRobotSends(robot: robot, limit: 20, window: 60, wanting: 15, now: start)
        async let second = b.reserveRobotSends(robot: robot, limit: 20, window: 60, wanting: 15, now: start)
        let (one, two) = try await (first, second)
        #expect(one.granted + two.granted == 20)
        #expect(one.nextRoom == start.addingTimeInterval(60) || two.nextRoom == start.addingTimeInterval(60), "whoever filled it knows when")
        try await a.releaseRobotSends(robot: robot, count: 3, at: start)
        let again = try await b.reserveRobotSends(robot: robot, limit: 20, window: 60, wanting: 5, now: start.addingTimeInterval(10))
        #expect(again.granted == 3 && again.nextRoom == start.addingTimeInterval(60))
        let other = try await b.reserveRobotSends(robot: robot + "2", limit: 20, window: 60, wanting: 5, now: start)
        #expect(other.granted == 5 && other.nextRoom == nil)
        // A minute after the first sends they have left the window; the three taken at +10 s are still in it.
        let slid = try await a.reserveRobotSends(robot: robot, limit: 20, window: 60, wanting: 30, now: start.addingTimeInterval(60))
        #expect(slid.granted == 17 && slid.nextRoom == start.addingTimeInterval(70))
        await b.close()
        await a.close()
    }
}
