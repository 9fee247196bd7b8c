import Foundation
import WhistleCore

/// Everything the resident's status page shows, read in one snapshot.
public struct ReportView: Sendable {
    public var report: Report
    public var point: Point
    public var events: [Event]
    /// The responders named by events, for their role and (for departments) name; never their phones.
    public var actors: [String: Responder]
    /// The report this one repeats, when it is a duplicate.
    public var original: Report?
    public var policy: EscalationPolicy
}

extension AppDatabase {
    /// The report with its timeline, if `keyHash` is the hash of its status key.
    public func reportView(number: String, keyHash: String) async throws -> ReportView? {
        try await read { tx in
            guard let report = try tx.fetchOne(Report.self, "SELECT * FROM report WHERE number = ?", [number]),
                Secret.equal(report.statusKeyHash, keyHash)
            else { return nil }
            return try Self.view(of: report, tx)
        }
    }

    /// What an Open311 client sent with a report (names, email), for the taker's eyes only; nil for residents' reports.
    /// Read only by the API's report view, not with every `ReportView` (the live feed reads one per event).
    public func submitter(reportID: Int64) async throws -> Submitter? {
        try await read { tx in
            try tx.fetchOne(
                """
                SELECT open311_request.*, integration.name AS integration_name FROM open311_request
                JOIN integration ON integration.id = open311_request.integration_id WHERE report_id = ?
                """, [reportID]
            ).map { row in
                Submitter(
                    integrationName: try row.get("integration_name"), mediaURL: try row.optional("media_url"), deviceID: try row.optional("device_id"),
                    accountID: try row.optional("account_id"), firstName: try row.optional("first_name"), lastName: try row.optional("last_name"),
                    email: try row.optional("email"))
            }
        }
    }

    static func view(of report: Report, _ tx: any SQLTransaction) throws -> ReportView? {
        guard let id = report.id, let point = try tx.fetch(Point.self, id: report.pointID) else { return nil }
        let events = try tx.fetchAll(Event.self, "SELECT * FROM event WHERE report_id = ? ORDER BY at, id", [id])
        var ids = Set(events.compactMap(\.actor))
        ids.formUnion(events.compactMap { $0.detail["to"] })
        ids.formUnion(events.compactMap { $0.detail["responder"] })
        let actors = ids.isEmpty ? [] : try tx.fetchAll(
            Responder.self, "SELECT * FROM responder WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))",
            SQLArguments(ids.sorted().map { .text($0) }))
        let original = try report.duplicateOf.flatMap { try tx.fetch(Report.self, id: $0) }
        let policyJSON = try tx.value("SELECT json FROM policy WHERE id = ?", [report.policyID], as: String.self)
        let policy = try policyJSON.map { try JSONDecoder().decode(EscalationPolicy.self, from: Data($0.utf8)) } ?? .standard
        return ReportView(
            report: report, point: point, events: events, actors: Dictionary(uniqueKeysWithValues: actors.map { ($0.id, $0) }),
            original: original, policy: policy)
    }

    /// 接单: a responder takes the report; the promise clock stops and pending steps are cancelled.
    /// On a whistled report this is the department reporting in (报到), which stops the department's window.
    @discardableResult
    public func acknowledge(number: String, by responderID: String, at now: Date) async throws -> Report {
        try await transition(number: number, action: .acknowledge, by: responderID, at: now) { report, tx in
            if report.status == .whistled {
                guard report.reportedInAt == nil else { throw StoreError.notAllowed("report \(number): the department already reported in") }
                report.reportedInAt = now
                try Self.cancelPending(reportID: report.id, stages: [.whistle], at: now, tx)
                return ([:], .reportedIn)
            }
            if report.ackAt == nil {
                report.ackAt = now
                report.ackBy = responderID
                // Taken but not fixed within `resolve_within`: remind whoever took it, then (two hours on) the grid leader.
                try Self.planReminders(report: report, taker: responderID, round: 0, at: now, tx)
            }
            try Self.cancelPending(reportID: report.id, stages: [.promise], at: now, tx)
            return ([:], nil)
        }
    }

    /// 吹哨: hands the report to a department, which must report in within its own promise window; the policy's
    /// steps run again for it (its on-duty/backup steps reach the department, the leader and secretary steps as usual).
    @discardableResult
    public func whistle(number: String, by responderID: String, to departmentID: String, note: String, at now: Date) async throws -> Report {
        try await transition(number: number, action: .whistle, by: responderID, at: now) { report, tx in
            guard let department = try tx.fetch(Responder.self, id: departmentID), department.active else {
                throw StoreError.notFound("department '\(departmentID)'")
            }
            guard department.role == .department || department.role == .property else {
                throw StoreError.notAllowed("'\(departmentID)' is a \(department.role.rawValue), not a department")
            }
            guard let view = try Self.view(of: report, tx) else { throw StoreError.notFound("report \(number)") }
            report.whistledTo = departmentID
            report.whistledAt = now
            report.reportedInAt = nil
            // Whistling again hands the report on: the previous department's window (its breach included) ends here.
            try Self.cancelPending(reportID: report.id, stages: [.whistle], at: now, tx)
            let roster = try Self.roster(tx)
            let round = try tx.value("SELECT COUNT(*) FROM event WHERE report_id = ? AND kind = 'whistled'", [report.id], as: Int.self) ?? 0
            for (index, step) in view.policy.steps.enumerated() {
                let targets = step.notify.map { target -> NotifyTarget in
                    switch target {
                    case .onDuty, .backup: .responder(departmentID)
                    default: target
                    }
                }
                _ = try Self.plan(
                    report: report, gridID: view.point.gridID, targets: targets, event: .whistle, step: index,
                    key: "whistle\(round)/\(index)", due: now.addingTimeInterval(TimeInterval(step.afterSeconds)), roster: roster,
                    stage: .whistle, tx)
            }
            _ = try Self.plan(
                report: report, gridID: view.point.gridID, targets: [.secretary], event: .breach, step: view.policy.steps.count,
                key: "whistle\(round)/breach", due: now.addingTimeInterval(TimeInterval(view.policy.promiseSeconds)), roster: roster,
                stage: .whistle, tx)
            return (["to": departmentID, "note": note], nil)
        }
    }

    /// Refuses a report as spam or not the community's business; it leaves the SLA figures (and says so there).
    @discardableResult
    public func reject(number: String, by responderID: String, note: String, at now: Date) async throws -> Report {
        try await transition(number: number, action: .reject, by: responderID, at: now) { report, tx in
            try Self.cancelPending(reportID: report.id, stages: OutboxStage.allCases, at: now, tx)
            return (["note": note], nil)
        }
    }

    /// 办结: the problem is fixed. A note says what was done; the resident reads it.
    @discardableResult
    public func resolve(number: String, by responderID: String, note: String, at now: Date) async throws -> Report {
        try await transition(number: number, action: .resolve, by: responderID, at: now) { report, tx in
            report.resolvedAt = now
            report.resolvedBy = responderID
            // Fixed: no department is still asked to report in, nobody is reminded.
            try Self.cancelPending(reportID: report.id, stages: OutboxStage.allCases, at: now, tx)
            return (["note": note], nil)
        }
    }

    /// Reopens a resolved report (the fix did not hold); whoever holds it is reminded again if it stays unresolved.
    @discardableResult
    public func reopen(number: String, by responderID: String, note: String, at now: Date) async throws -> Report {
        try await transition(number: number, action: .reopen, by: responderID, at: now) { report, tx in
            report.resolvedAt = nil
            report.resolvedBy = nil
            // Earlier reopenings planned their reminders under their own keys; this one is the next round.
            let earlier = try tx.value("SELECT COUNT(*) FROM event WHERE report_id = ? AND kind = 'reopened'", [report.id], as: Int.self) ?? 0
            try Self.planReminders(report: report, taker: report.ackBy ?? responderID, round: earlier + 1, at: now, tx)
            return (["note": note], nil)
        }
    }

    /// The resident's 1–10 score, once, after the report was resolved.
    public func rate(number: String, keyHash: String, rating: Int, note: String?, at now: Date) async throws {
        try await write { tx in
            guard var report = try tx.fetchOne(Report.self, "SELECT * FROM report WHERE number = ?\(tx.dialect.lockForUpdate)", [number]),
                Secret.equal(report.statusKeyHash, keyHash)
            else { throw StoreError.notFound("report \(number)") }
            guard report.status == .resolved || report.status == .closed else {
                throw StoreError.notAllowed("a report can be rated once it is resolved")
            }
            guard report.rating == nil else { throw StoreError.notAllowed("this report was already rated") }
            guard (1...10).contains(rating) else { throw StoreError.notAllowed("a rating is 1 to 10") }
            report.rating = rating
            report.ratingNote = note
            try tx.update(report)
            try tx.insert(Event(reportID: report.id, at: now, kind: .rated, actor: EventActor.resident, detail: ["rating": String(rating)]))
        }
    }

    /// Applies `action` if the status machine allows it, records the event with its actor, all in one transaction.
    private func transition(
        number: String, action: ReportAction, by actor: String, at now: Date,
        apply: @escaping @Sendable (inout Report, any SQLTransaction) throws -> (detail: [String: String], kind: EventKind?)
    ) async throws -> Report {
        try await write { tx in
            // On PostgreSQL two nodes acting on one report queue here; the second sees the first's outcome.
            guard var report = try tx.fetchOne(Report.self, "SELECT * FROM report WHERE number = ?\(tx.dialect.lockForUpdate)", [number]) else {
                throw StoreError.notFound("report \(number)")
            }
            guard let next = report.status.applying(action) else {
                throw StoreError.notAllowed("cannot \(action.rawValue) report \(number): it is \(report.status.rawValue)")
            }
            // Who may act is decided here, on the report, the roster and the responder as this transaction sees them,
            // not on an earlier read: scope first (outside it, the report is "not found"), then the role's rules.
            let snapshot = try snapshots.snapshot(tx)
            guard let responder = snapshot.roster.responders[actor] else { throw StoreError.notFound("responder '\(actor)'") }
            let gridID = snapshot.point(id: report.pointID)?.gridID ?? ""
            switch ReportRules.check(action, scope: snapshot.roster.scope(for: responder), on: report, gridID: gridID) {
            case nil: break
            case .outOfScope: throw StoreError.notFound("report \(number)")
            case .refused(let why): throw StoreError.forbidden(why)
            }
            let (detail, kind) = try apply(&report, tx)
            report.status = next
            try tx.update(report)
            // The SLA columns: durations from the report's commit, in whole seconds (from the stored times, which
            // SQLite keeps to the millisecond).
            func seconds(_ end: Date?) -> Int? {
                end.map { Int(($0.millisecondsStored.timeIntervalSince(report.createdAt.millisecondsStored)).rounded()) }
            }
            try tx.execute(
                "UPDATE report SET ack_seconds = ?, resolve_seconds = ? WHERE id = ?", [seconds(report.ackAt), seconds(report.resolvedAt), report.id])
            try tx.insert(Event(reportID: report.id, at: now, kind: kind ?? action.eventKind, actor: actor, detail: detail))
            return report
        }
    }

    /// Cancels the report's pending rows of `stages`: their clock stopped in this transaction.
    static func cancelPending(reportID: Int64?, stages: [OutboxStage], at now: Date, _ tx: any SQLTransaction) throws {
        guard let reportID else { return }
        let list = stages.map { "'\($0.rawValue)'" }.joined(separator: ",")
        try tx.execute(
            """
            UPDATE outbox SET cancelled_at = ?
            WHERE report_id = ? AND stage IN (\(list)) AND \(pending)
            """, [now, reportID])
    }

    /// Taken but not fixed within `resolve_within`: remind whoever took it, then (two hours on) the grid leader.
    /// `round` counts reopenings, so a reopened report is reminded again under new keys.
    static func planReminders(report: Report, taker: String, round: Int, at now: Date, _ tx: any SQLTransaction) throws {
        guard let view = try Self.view(of: report, tx) else { return }
        let roster = try Self.roster(tx)
        let within = TimeInterval(view.policy.resolveWithinSeconds)
        let prefix = round == 0 ? "remind" : "remind\(round)"
        _ = try Self.plan(
            report: report, gridID: view.point.gridID, targets: [.responder(taker)], event: .remind, step: 0,
            key: "\(prefix)/0", due: now.addingTimeInterval(within), roster: roster, stage: .resolve, tx)
        _ = try Self.plan(
            report: report, gridID: view.point.gridID, targets: [.gridLeader], event: .remind, step: 1,
            key: "\(prefix)/1", due: now.addingTimeInterval(within + 7200), roster: roster, stage: .resolve, tx)
    }
}
