import Foundation
import GRDB
import WhistleCore

/// A claimed outbox row with what a channel needs to write its message.
public struct Delivery: Sendable {
    public var entry: OutboxEntry
    /// Nil for a digest.
    public var report: Report?
    public var point: Point?
    public var responder: Responder
    /// The report's community (for a digest, the secretary's): its name, address and labels go into the message.
    public var community: CommunityInfo
    /// The responder's channel the row goes to now (found by its identity, not its position).
    public var channel: Channel
    /// The policy the report came in under (the community's for a digest).
    public var policy: EscalationPolicy
    /// For a digest: the reports still untaken, as they stand at the claim.
    public var untaken: UntakenList?
    /// The part-time grid worker who found the report, if one did (named in the message, never with their phone).
    public var finder: Responder?
}

/// Rows claimed together.
public struct Claim: Sendable {
    public var deliveries: [Delivery]
    /// The newest outbox row and report at the claim: what was written before this moment.
    public var outboxMark: Int64
    public var reportMark: Int64
}

/// Reports past their promise that nobody took, oldest first.
public struct UntakenList: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var number: String
        public var pointName: String
        public var category: String
        public var createdAt: Date

        public init(number: String, pointName: String, category: String, createdAt: Date) {
            self.number = number
            self.pointName = pointName
            self.category = category
            self.createdAt = createdAt
        }
    }

    public var count: Int
    public var oldest: [Item]

    public init(count: Int, oldest: [Item]) {
        self.count = count
        self.oldest = oldest
    }
}

/// Pending rows: not delivered, cancelled or given up. The one definition every query of the outbox uses (the
/// `outbox_due` index's WHERE is this text too, so the planner can use it).
let pending = "delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL"

extension AppDatabase {
    /// Claims up to `limit` due rows for `claimer`, the running promise first (see `DeliveryPriority`), and returns
    /// them ready to send. A claim moves the row's next try a `lease` ahead: if the claimer dies mid-delivery, the row
    /// falls due again when the lease runs out and another dispatcher sends it, under the same idempotency key.
    ///
    /// Rows whose clock has stopped (the report was taken, resolved, handed on) are cancelled here rather than sent.
    /// Each priority is one range of the `outbox_due` index: a claim costs what is due, not the history.
    public func claimDue(at now: Date, limit: Int = 100, lease: TimeInterval, claimer: String) async throws -> Claim {
        try await writeRelaxedSQL { tx in
            var deliveries: [Delivery] = []
            var policies = PolicyCache()
            var untaken: [Int64: UntakenList] = [:]
            let communities = Dictionary(try Self.communities(tx).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            // On PostgreSQL, rows another node is claiming right now are skipped, not waited for: each node claims
            // different rows, and none blocks on a slow one.
            let index = tx.dialect == .sqlite ? " INDEXED BY outbox_due" : ""
            let lock = tx.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            for priority in DeliveryPriority.all where deliveries.count < limit {
                let entries = try tx.fetchAll(
                    OutboxEntry.self,
                    """
                    SELECT * FROM outbox\(index)
                    WHERE \(pending) AND priority = ? AND next_try_at <= ?
                    ORDER BY next_try_at, id LIMIT ?\(lock)
                    """, [priority, now, limit - deliveries.count])
                for var entry in entries {
                    guard let id = entry.id else { continue }
                    let report = try entry.reportID.flatMap { try tx.fetch(Report.self, id: $0) }
                    guard entry.stage.isLive(for: report) else {
                        try tx.execute("UPDATE outbox SET cancelled_at = ? WHERE id = ?", [now, id])
                        continue
                    }
                    guard let responder = try tx.fetch(Responder.self, id: entry.responderID), responder.active,
                        let channel = Channel.find(ref: entry.channelRef, index: entry.channel, in: responder.channels)
                    else {
                        try Self.giveUp(entry, error: "channel no longer configured", at: now, tx)
                        continue
                    }
                    // A report's message speaks for its community; a digest for its secretary's.
                    guard let communityID = report?.communityID ?? responder.communityID, let community = communities[communityID] else {
                        try Self.giveUp(entry, error: "no community to write the message for", at: now, tx)
                        continue
                    }
                    entry.nextTryAt = now.addingTimeInterval(lease)
                    entry.claimedBy = claimer
                    try tx.execute("UPDATE outbox SET next_try_at = ?, claimed_by = ? WHERE id = ?", [entry.nextTryAt, claimer, id])
                    let point = try report.flatMap { try tx.fetch(Point.self, id: $0.pointID) }
                    let policy = try report.map { try policies.policy($0.policyID, tx) } ?? community.policy
                    if entry.stage == .digest, untaken[communityID] == nil {
                        untaken[communityID] = try Self.untaken(limit: 30, community: communityID, tx)
                    }
                    let finder = try report?.foundBy.flatMap { try tx.fetch(Responder.self, id: $0) }
                    deliveries.append(
                        Delivery(
                            entry: entry, report: report, point: point, responder: responder, community: community, channel: channel,
                            policy: policy, untaken: entry.stage == .digest ? untaken[communityID] : nil, finder: finder))
                }
            }
            let outboxMark = try tx.value("SELECT MAX(id) FROM outbox", as: Int64.self) ?? 0
            let reportMark = try tx.value("SELECT MAX(id) FROM report", as: Int64.self) ?? 0
            return Claim(deliveries: deliveries, outboxMark: outboxMark, reportMark: reportMark)
        }
    }

    /// When the next pending row falls due, if any (claimed rows count at their lease's end).
    public func nextDue() async throws -> Date? {
        try await read { tx in
            let index = tx.dialect == .sqlite ? " INDEXED BY outbox_due" : ""
            return try DeliveryPriority.all.compactMap { priority in
                try tx.value("SELECT MIN(next_try_at) FROM outbox\(index) WHERE \(pending) AND priority = ?", [priority], as: Date.self)
            }.min()
        }
    }

    /// How many pending rows are due at `now` (for benchmarks and metrics).
    public func dueCount(at now: Date) async throws -> Int {
        try await read { tx in
            let index = tx.dialect == .sqlite ? " INDEXED BY outbox_due" : ""
            return try tx.value("SELECT COUNT(*) FROM outbox\(index) WHERE \(pending) AND next_try_at <= ?", [now], as: Int.self) ?? 0
        }
    }

    /// Reports in all, and those open (for benchmarks).
    public func reportCounts() async throws -> (total: Int, open: Int) {
        try await read { tx in
            (try tx.value("SELECT COUNT(*) FROM report", as: Int.self) ?? 0,
             try tx.value("SELECT COUNT(*) FROM report WHERE status = 'open'", as: Int.self) ?? 0)
        }
    }

    /// Records a delivery. Whoever sent it records it, lease or not: the message went out.
    public func markDelivered(outboxID: Int64, at now: Date, late: Bool = false) async throws {
        try await writeRelaxedSQL { tx in
            let marked = try tx.execute(
                "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL, claimed_by = NULL WHERE id = ? AND delivered_at IS NULL",
                [now, outboxID])
            guard marked > 0, let entry = try tx.fetch(OutboxEntry.self, id: outboxID), let reportID = entry.reportID else { return }
            var detail = ["responder": entry.responderID, "channel": entry.channelKind, "step": String(entry.step), "event": entry.event.rawValue]
            if late { detail["late"] = "true" }
            try tx.insert(Event(reportID: reportID, at: now, kind: .notified, actor: EventActor.system, detail: detail))
        }
    }

    /// Records a failed attempt by `claimer`: retried at `retryAt`, or given up for good when nil. A claimer whose
    /// lease ran out (someone else holds the row now) records nothing.
    public func markFailed(outboxID: Int64, claimer: String, error: String, retryAt: Date?, at now: Date) async throws {
        try await writeRelaxedSQL { tx in
            let lock = tx.dialect == .postgres ? " FOR UPDATE" : ""
            guard let entry = try tx.fetchOne(
                OutboxEntry.self, "SELECT * FROM outbox WHERE id = ? AND claimed_by = ? AND \(pending)\(lock)", [outboxID, claimer])
            else { return }
            if let retryAt {
                try tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try_at = ?, claimed_by = NULL WHERE id = ?",
                    [error, retryAt, outboxID])
            } else {
                try tx.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [outboxID])
                try Self.giveUp(entry, error: error, at: now, tx)
            }
        }
    }

    /// Gives a row up for good and says so on the report's timeline.
    static func giveUp(_ entry: OutboxEntry, error: String, at now: Date, _ tx: any SQLTransaction) throws {
        try tx.execute("UPDATE outbox SET last_error = ?, failed_at = ?, claimed_by = NULL WHERE id = ?", [error, now, entry.id])
        guard let reportID = entry.reportID else { return }
        try tx.insert(
            Event(
                reportID: reportID, at: now, kind: .deliveryFailed, actor: EventActor.system,
                detail: ["responder": entry.responderID, "channel": entry.channelKind, "step": String(entry.step), "error": error]))
    }

    static func giveUp(_ entry: OutboxEntry, error: String, at now: Date, _ db: Database) throws {
        try giveUp(entry, error: error, at: now, GRDBTransaction(db))
    }

    /// Hands a claimed row back for a later try without counting an attempt (a robot at its rate limit).
    public func postpone(outboxID: Int64, claimer: String, until date: Date, reason: String) async throws {
        try await writeRelaxedSQL { tx in
            try tx.execute(
                "UPDATE outbox SET next_try_at = ?, last_error = ?, claimed_by = NULL WHERE id = ? AND claimed_by = ? AND \(pending)",
                [date, reason, outboxID, claimer])
        }
    }

    /// Moves the pending schedule by `seconds` after the wall clock was stepped by that much, so that every step and
    /// promise keeps its real-time distance. Rows and reports up to `marks` were written before the step; of those
    /// written since, a report created within `oldFrame` (times the old clock gave) was too, and its rows move with
    /// it. Returns false when another process on the same clock already moved the schedule for this step.
    @discardableResult
    public func shiftSchedule(
        by seconds: TimeInterval, detectedAt now: Date, upTo marks: (outbox: Int64, report: Int64), orCreatedIn oldFrame: ClosedRange<Date>
    ) async throws -> Bool {
        // On PostgreSQL the schedule is shared by nodes with their own clocks: one node's step says nothing about the
        // others', so nothing moves (docs/plans/15-postgres.md §0; nodes keep NTP).
        guard postgres == nil else { return false }
        return try await writer.write { db in
            let seen = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM clock_step WHERE ABS(seconds - ?) < 2 AND at > ?)",
                arguments: [seconds, now.addingTimeInterval(-300)]) ?? false
            guard !seen else { return false }
            let modifier = String(format: "%+.3f seconds", seconds)
            try db.execute(
                sql: """
                    UPDATE outbox SET next_try_at = strftime('%Y-%m-%d %H:%M:%f', next_try_at, ?1),
                        due_at = strftime('%Y-%m-%d %H:%M:%f', due_at, ?1)
                    WHERE \(pending) AND (id <= ?2 OR report_id IN (SELECT id FROM report WHERE id > ?3 AND created_at BETWEEN ?4 AND ?5))
                    """, arguments: [modifier, marks.outbox, marks.report, oldFrame.lowerBound, oldFrame.upperBound])
            try db.execute(
                sql: """
                    UPDATE report SET promise_due_at = strftime('%Y-%m-%d %H:%M:%f', promise_due_at, ?1)
                    WHERE status = 'open' AND breached_at IS NULL AND (id <= ?2 OR created_at BETWEEN ?3 AND ?4)
                    """, arguments: [modifier, marks.report, oldFrame.lowerBound, oldFrame.upperBound])
            try db.execute(sql: "INSERT INTO clock_step (at, seconds) VALUES (?, ?)", arguments: [now, seconds])
            return true
        }
    }

    /// Plans today's digest of a community's untaken reports for its secretaries; nothing when every report was taken.
    @discardableResult
    public func planDigest(community: Int64 = 1, at now: Date) async throws -> Int {
        try await write { tx in
            let count = try Self.untakenCount(community: community, tx)
            guard count > 0 else { return 0 }
            let roster = try Self.roster(tx)
            let day = ShanghaiTime.dayStamp(now)
            var planned = 0
            let secretaries = roster.responders.values.filter { $0.role == .secretary && $0.active && $0.communityID == community }
            for responder in secretaries.sorted(by: { $0.id < $1.id }) {
                let responderID = responder.id
                for (index, channel) in responder.channels.enumerated() {
                    let entry = OutboxEntry(
                        reportID: nil, responderID: responderID, channel: index, channelKind: channel.kind, channelRef: channel.ref,
                        event: .digest, step: 0, dueAt: now, idemKey: "digest/\(day)/\(responderID)/\(index)", stage: .digest)
                    if try tx.insertIfNew(entry) != nil { planned += 1 }
                }
            }
            if planned > 0 { try tx.wakeDispatchers() }
            return planned
        }
    }

    static func untakenCount(community: Int64, _ tx: any SQLTransaction) throws -> Int {
        let index = tx.dialect == .sqlite ? " INDEXED BY report_untaken" : ""
        return try tx.value(
            "SELECT COUNT(*) FROM report\(index) WHERE status = 'open' AND breached_at IS NOT NULL AND community_id = ?",
            [community], as: Int.self) ?? 0
    }

    static func untaken(limit: Int, community: Int64, _ tx: any SQLTransaction) throws -> UntakenList {
        let count = try untakenCount(community: community, tx)
        let index = tx.dialect == .sqlite ? " INDEXED BY report_untaken" : ""
        let rows = try tx.fetchAll(
            """
            SELECT report.number, point.name AS point_name, report.category, report.created_at FROM report\(index)
            JOIN point ON point.id = report.point_id
            WHERE report.status = 'open' AND report.breached_at IS NOT NULL AND report.community_id = ?
            ORDER BY report.created_at LIMIT ?
            """, [community, limit])
        return UntakenList(
            count: count,
            oldest: try rows.map {
                UntakenList.Item(
                    number: try $0.get("number"), pointName: try $0.get("point_name"), category: try $0.get("category"),
                    createdAt: try $0.get("created_at"))
            })
    }
}
