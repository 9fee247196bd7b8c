import Foundation
import GRDB
import WhistleCore

/// What a resident submitted, already checked by the server.
public struct ReportDraft: Sendable {
    public var pointID: String
    public var category: String
    public var description: String
    public var phone: String?
    public var photoIDs: [String]
    public var statusKeyHash: String
    /// The form token's nonce: used once, in the report's own transaction, so a replay is refused and a failed
    /// write leaves the form usable.
    public var formNonce: String?
    /// The point's burst limit is spent (a flood of reports there): the report is still accepted, but linked to the
    /// point's newest open report of any category instead of paging the grid again. A resident is never locked out
    /// by what others sent; responders are not paged once per flooded report.
    public var pointBusy = false
    /// A part-time grid worker's report (随手报): who found it; the store checks they pass through the point's grid.
    public var foundBy: String?
    /// At a grid's typed place, where on the grid, in the finder's words (required there, refused elsewhere).
    public var place: String?
    /// Filed by an Open311 integration (`integration.id`): the store re-checks, in the report's transaction, that its key
    /// is still active and scoped to the point's community, so a revoke racing the request wins.
    public var integrationID: Int64?
    /// What an Open311 client sent about the person besides the phone; kept beside the report, shown only to the taker.
    public var submitter: Submitter?

    public init(
        pointID: String, category: String, description: String, phone: String? = nil, photoIDs: [String] = [], statusKeyHash: String,
        formNonce: String? = nil, pointBusy: Bool = false, foundBy: String? = nil, place: String? = nil
    ) {
        self.foundBy = foundBy
        self.place = place
        self.formNonce = formNonce
        self.pointBusy = pointBusy
        self.pointID = pointID
        self.category = category
        self.description = description
        self.phone = phone
        self.photoIDs = photoIDs
        self.statusKeyHash = statusKeyHash
    }
}

/// What an Open311 client sent beside the description and phone (`open311_request`). Names and email are personal data:
/// the dispatcher never reads this row, so they never reach a message or a group chat, and the purge clears them.
public struct Submitter: Sendable, Equatable {
    public var integrationName: String
    public var mediaURL: String?
    public var deviceID: String?
    public var accountID: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?

    public init(
        integrationName: String, mediaURL: String? = nil, deviceID: String? = nil, accountID: String? = nil, firstName: String? = nil,
        lastName: String? = nil, email: String? = nil
    ) {
        self.integrationName = integrationName
        self.mediaURL = mediaURL
        self.deviceID = deviceID
        self.accountID = accountID
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
    }

    /// The person's name as they gave it, if they did.
    public var name: String? {
        let parts = [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}

/// A committed report and what was planned for it.
public struct CreatedReport: Sendable {
    public var report: Report
    /// The open report this one repeats, when it does.
    public var original: Report?
    public var outbox: [OutboxEntry]
    /// Steps where nobody was on duty and the grid leader was told instead.
    public var dutyGaps: [Int]
    /// How many reports shared this report's commit (group commit), and whether it is the first of them: counting the
    /// first ones counts commits (`whistle_report_commits_total`).
    public var commitGroup = 1
    public var firstInCommit = true
}

extension AppDatabase {
    /// How long an open report on the same point and category makes a new one a duplicate.
    public static let duplicateWindow: TimeInterval = 2 * 3600
    /// How long a used form nonce is remembered; form tokens must expire sooner than this.
    public static let formNonceLifetime: TimeInterval = 26 * 3600

    /// The point's newest report still being handled, of any category, created since `since`.
    static func newestOpen(pointID: String, since: Date, _ tx: any SQLTransaction) throws -> Report? {
        try tx.fetchOne(
            Report.self,
            """
            SELECT * FROM report WHERE point_id = ? AND status IN ('open', 'acknowledged', 'whistled') AND created_at >= ?
            ORDER BY created_at DESC LIMIT 1
            """, [pointID, since])
    }

    /// Numbers, stores and plans a report in ONE transaction: when this returns, the report, its `created`
    /// event and every escalation step are on disk, and only then may the resident be told "received".
    ///
    /// Reports that arrive while a commit is on its way to the disk share the next one (`ReportIntake`): each in a
    /// savepoint of its own, so one refused report (a replayed form) does not touch the others, and every caller
    /// returns only after the commit that holds its report.
    public func createReport(_ draft: ReportDraft, at now: Date) async throws -> CreatedReport {
        try await intake.submit(draft, at: now)
    }

    /// Several reports in one transaction, each in its own savepoint; the outer error (the commit failed) is everyone's.
    static func insertReports(_ items: [(draft: ReportDraft, at: Date)], in tx: any SQLTransaction, snapshots: SnapshotCache) throws
        -> [Result<CreatedReport, any Error>]
    {
        // Read once for the whole group: the catalogue (checked against its version in this transaction), and the
        // sweep of form nonces too old to matter.
        let snapshot = try snapshots.snapshot(tx)
        if let oldest = items.map(\.at).min() {
            try tx.execute("DELETE FROM form_nonce WHERE used_at < ?", [oldest.addingTimeInterval(-Self.formNonceLifetime)])
        }
        var results = items.map { item in
            Result { try tx.savepoint { try Self.insertReport(item.draft, at: item.at, snapshot: snapshot, tx) } }
        }
        let stored = results.filter { (try? $0.get()) != nil }.count
        var first = true
        for index in results.indices {
            guard case .success(var created) = results[index] else { continue }
            created.commitGroup = stored
            created.firstInCommit = first
            first = false
            results[index] = .success(created)
        }
        return results
    }

    static func insertReport(_ draft: ReportDraft, at now: Date, snapshot: CommunitySnapshot, _ tx: any SQLTransaction) throws -> CreatedReport {
        guard let point = snapshot.point(id: draft.pointID), point.active else {
            throw StoreError.notFound("point '\(draft.pointID)'")
        }
        // The point's community decides the promise, the ladder and who is on it.
        guard let community = snapshot.community(of: point) else { throw StoreError.notFound("community (run whistle import)") }
        // Only a part-time worker who passes through the grid files there as its finder, and a grid's typed place needs
        // the words for where: checked here, against the catalogue of this transaction, not only by the form.
        if let finder = draft.foundBy {
            guard let responder = snapshot.roster.responders[finder], responder.mayReport(inGrid: point.gridID) else {
                throw StoreError.forbidden("\(finder) does not report on grid \(point.gridID)")
            }
        }
        if let integrationID = draft.integrationID {
            let scope = try tx.value(
                "SELECT communities FROM integration WHERE id = ? AND revoked_at IS NULL", [integrationID], as: String.self)
            guard let scope, Self.scopeIDs(scope).contains(point.communityID) else {
                throw StoreError.forbidden("integration \(integrationID) does not file into community \(point.communityID)")
            }
        }
        if point.isGridPlace {
            guard draft.foundBy != nil, draft.place?.isEmpty == false else {
                throw StoreError.notAllowed("a report at \(point.id) needs its finder and the place")
            }
        } else if draft.place != nil {
            throw StoreError.notAllowed("a place is written only at a grid's typed place")
        }
        if let nonce = draft.formNonce {
            // The primary key keeps a nonce used before: the form was already submitted. On PostgreSQL a second node
            // inserting the same nonce at the same moment waits for the first's commit, then inserts nothing.
            let inserted = try tx.execute(
                "INSERT INTO form_nonce (nonce, used_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING", [nonce, now])
            if inserted == 0 { throw StoreError.replayed }
        }
        let number = try Self.nextNumber(at: now, tx)
        // The oldest report on this point and category still being handled within the window (index
        // report_point_category).
        // At a grid's typed place two corners are two problems: the same words for the place too.
        let samePlace = point.isGridPlace ? " AND place = ?" : ""
        let original = try tx.fetchOne(
            Report.self,
            """
            SELECT * FROM report WHERE point_id = ? AND category = ? AND created_at >= ?\(samePlace)
                AND status IN ('open', 'acknowledged', 'whistled')
            ORDER BY created_at LIMIT 1
            """,
            SQLArguments(
                [.text(point.id), .text(draft.category), .date(now.addingTimeInterval(-Self.duplicateWindow))]
                    + (point.isGridPlace ? [.text(draft.place ?? "")] : [])))
        let linked = try original ?? (draft.pointBusy ? Self.newestOpen(pointID: point.id, since: now.addingTimeInterval(-Self.duplicateWindow), tx) : nil)
        let busy = original == nil && linked != nil

        var report = Report(
            number: number, pointID: point.id, category: draft.category, description: draft.description, photoIDs: draft.photoIDs,
            phone: draft.phone, status: linked == nil ? .open : .duplicate, duplicateOf: linked?.id,
            policyID: community.policyID, createdAt: now, statusKeyHash: draft.statusKeyHash, communityID: point.communityID)
        report.foundBy = draft.foundBy
        report.place = draft.place
        if linked == nil { report.promiseDueAt = now.addingTimeInterval(TimeInterval(community.policy.promiseSeconds)) }
        // With the SLA columns the record does not carry: its local day and the promise it was made.
        guard
            let reportID = try tx.insert(
                report,
                adding: [
                    "local_day": Int64(ShanghaiTime.dayStamp(now)).map { .integer($0) } ?? .null,
                    "promise_seconds": .integer(Int64(community.policy.promiseSeconds)),
                ])
        else { throw StoreError.notFound("report id") }
        report.id = reportID

        var detail = ["number": number]
        if let linked { detail["duplicate_of"] = linked.number }
        if busy { detail["linked_because"] = "point_busy" }
        if let place = draft.place { detail["place"] = place }
        if let integrationID = draft.integrationID {
            detail["via"] = "open311:" + (draft.submitter?.integrationName ?? String(integrationID))
            let submitter = draft.submitter
            try tx.execute(
                """
                INSERT INTO open311_request (report_id, integration_id, media_url, device_id, account_id, first_name, last_name, email)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    reportID, integrationID, submitter?.mediaURL, submitter?.deviceID, submitter?.accountID, submitter?.firstName,
                    submitter?.lastName, submitter?.email,
                ])
        }
        try tx.insert(Event(reportID: reportID, at: now, kind: .created, actor: draft.foundBy ?? EventActor.resident, detail: detail))

        // A duplicate rides on the original's escalation; planning it again would page people twice.
        guard linked == nil else { return CreatedReport(report: report, original: linked, outbox: [], dutyGaps: []) }

        let roster = snapshot.roster
        var planned: [OutboxEntry] = []
        var gaps: [Int] = []
        for (index, step) in community.policy.steps.enumerated() {
            let due = now.addingTimeInterval(TimeInterval(step.afterSeconds))
            let rows = Self.steps(
                report: report, gridID: point.gridID, targets: step.notify, event: .notify, step: index, key: "notify/\(index)",
                due: due, roster: roster)
            if rows.dutyGap { gaps.append(index) }
            planned += rows.entries
        }
        // The breach is planned with the steps: if the promise passes unacknowledged, the secretary hears of it
        // even if the dispatcher was down at that moment.
        planned += Self.steps(
            report: report, gridID: point.gridID, targets: [.secretary], event: .breach, step: community.policy.steps.count,
            key: "breach", due: now.addingTimeInterval(TimeInterval(community.policy.promiseSeconds)), roster: roster
        ).entries
        // Every step in one statement: the day's counter row is held until the commit (on PostgreSQL, by every node).
        let outbox = try Self.insertNew(planned, tx)
        return CreatedReport(report: report, original: nil, outbox: outbox, dutyGaps: gaps)
    }

    /// `YYYYMMDD-NNNN`: the sequence restarts each local (Asia/Shanghai) day. The day's row stays locked until the
    /// transaction ends, so on PostgreSQL concurrent nodes queue on it and a rolled-back report gives its number back:
    /// no gaps, no repeats.
    static func nextNumber(at now: Date, _ tx: any SQLTransaction) throws -> String {
        let day = ShanghaiTime.dayStamp(now)
        let sequence = try tx.value(
            "INSERT INTO report_day (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = report_day.last + 1 RETURNING last",
            [day], as: Int.self) ?? 1
        return ReportNumber.make(day: day, sequence: sequence)
    }

    /// Outbox rows for one step: one per recipient and channel, keyed so that planning twice inserts once.
    static func plan(
        report: Report, gridID: String, targets: [NotifyTarget], event: NotifyEvent, step: Int, key: String, due: Date, roster: Roster,
        stage: OutboxStage = .promise, priority: Int? = nil, _ tx: any SQLTransaction
    ) throws -> (entries: [OutboxEntry], dutyGap: Bool) {
        let planned = steps(
            report: report, gridID: gridID, targets: targets, event: event, step: step, key: key, due: due, roster: roster, stage: stage,
            priority: priority)
        return (try insertNew(planned.entries, tx), planned.dutyGap)
    }

    /// The rows `plan` would insert, not yet inserted (no ids).
    static func steps(
        report: Report, gridID: String, targets: [NotifyTarget], event: NotifyEvent, step: Int, key: String, due: Date, roster: Roster,
        stage: OutboxStage = .promise, priority: Int? = nil
    ) -> (entries: [OutboxEntry], dutyGap: Bool) {
        guard let reportID = report.id else { return ([], false) }
        let recipients = roster.resolve(targets, grid: gridID, at: due)
        var entries: [OutboxEntry] = []
        for responderID in recipients.responderIDs {
            guard let responder = roster.responders[responderID] else { continue }
            for (channelIndex, channel) in responder.channels.enumerated() {
                entries.append(
                    OutboxEntry(
                        reportID: reportID, responderID: responderID, channel: channelIndex, channelKind: channel.kind, channelRef: channel.ref,
                        event: event, step: step, dueAt: due, idemKey: "\(report.number)/\(key)/\(responderID)/\(channelIndex)", stage: stage,
                        priority: priority))
            }
        }
        return (entries, recipients.dutyGap)
    }

    /// Inserts the rows whose keys are new (in one statement) and wakes every node's dispatcher if any was; those rows,
    /// with their ids, in the order given.
    static func insertNew(_ entries: [OutboxEntry], _ tx: any SQLTransaction) throws -> [OutboxEntry] {
        let ids = try tx.insertAllIfNew(entries, key: "idem_key")
        var seen = Set<String>()
        let inserted = entries.compactMap { entry -> OutboxEntry? in
            guard let id = ids[entry.idemKey], seen.insert(entry.idemKey).inserted else { return nil }
            var entry = entry
            entry.id = id
            return entry
        }
        if !inserted.isEmpty { try tx.wakeDispatchers() }
        return inserted
    }

    static func roster(_ tx: any SQLTransaction) throws -> Roster {
        // The duty table in the file's order (SQLite's rowid; PostgreSQL's identity id).
        let order = tx.dialect == .sqlite ? "rowid" : "id"
        return Roster(
            grids: try tx.fetchAll(Grid.self, "SELECT * FROM grid"), responders: try tx.fetchAll(Responder.self, "SELECT * FROM responder"),
            duty: try tx.fetchAll(DutyShift.self, "SELECT * FROM duty ORDER BY \(order)"))
    }

    static func roster(_ db: Database) throws -> Roster {
        try roster(GRDBTransaction(db))
    }

    public func report(number: String) async throws -> Report? {
        try await read { tx in try tx.fetchOne(Report.self, "SELECT * FROM report WHERE number = ?", [number]) }
    }

    /// The report's timeline, oldest first.
    public func events(reportID: Int64) async throws -> [Event] {
        try await read { tx in try tx.fetchAll(Event.self, "SELECT * FROM event WHERE report_id = ? ORDER BY at, id", [reportID]) }
    }

    public func outbox(reportID: Int64) async throws -> [OutboxEntry] {
        try await read { tx in try tx.fetchAll(OutboxEntry.self, "SELECT * FROM outbox WHERE report_id = ? ORDER BY due_at, id", [reportID]) }
    }
}
