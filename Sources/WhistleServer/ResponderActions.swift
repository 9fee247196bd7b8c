import Foundation
import WhistleCore
import WhistleDispatch
import WhistleStore

/// What a responder can do to a report, whether asked through the API or a phone page: one layer, so both answer by
/// the same rules. The store decides inside its write (scope, role, state) and throws `StoreError`; each caller words
/// a refusal its own way (problem+json, or a page).
struct ResponderActions: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    /// Wakes the dispatcher: a whistle or a reopening plans rows due now, which must not wait for the idle tick.
    let notifier: @Sendable () -> Void
    let metrics: WhistleMetrics

    /// The report numbered `number`, if `responder` may see it; nil otherwise (its existence is not theirs to know).
    func visible(_ number: String, to responder: Responder) async throws -> ReportView? {
        guard ReportNumber.isValid(number), let view = try await database.reportView(number: number) else { return nil }
        let scope = try await database.scope(for: responder)
        return scope.allows(view.report, gridID: view.point.gridID) ? view : nil
    }

    /// 接单, or 报到 for the department a report was whistled to.
    func acknowledge(_ view: ReportView, by responder: Responder) async throws {
        let now = clock.now()
        try await database.acknowledge(number: view.report.number, by: responder.id, at: now)
        if view.report.ackAt == nil && view.report.status != .whistled {
            metrics.acknowledged(after: now.timeIntervalSince(view.report.createdAt), promise: Double(view.policy.promiseSeconds))
        }
    }

    /// 办结 with a note saying what was done.
    func resolve(_ view: ReportView, by responder: Responder, note: String) async throws {
        try await database.resolve(number: view.report.number, by: responder.id, note: note, at: clock.now())
    }

    /// 吹哨 to a department, with a note saying what it must do.
    func whistle(_ view: ReportView, by responder: Responder, to department: String, note: String) async throws {
        try await database.whistle(number: view.report.number, by: responder.id, to: department, note: note, at: clock.now())
        notifier()
    }

    /// Reopens a resolved report (the fix did not hold).
    func reopen(_ view: ReportView, by responder: Responder, note: String) async throws {
        try await database.reopen(number: view.report.number, by: responder.id, note: note, at: clock.now())
        notifier()
    }

    /// The note as text, or nil when it holds control characters or more than 1000 characters (Unicode scalars, as
    /// the API document's `maxLength` counts them): refused, never cut short without saying so.
    static func cleanNote(_ raw: String) -> String? {
        guard raw.unicodeScalars.count <= 1000 else { return nil }
        return ReportFields.clean(raw)
    }
}
