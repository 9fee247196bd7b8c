import Foundation
import WhistleCore
import WhistleStore

/// "还剩 7分钟" / "已超时 3分钟": the time to a deadline in the words a phone page uses.
enum TimeLeft {
    static func text(_ deadline: Date, now: Date, _ language: Language) -> (text: String, late: Bool) {
        let seconds = deadline.timeIntervalSince(now)
        let span = duration(abs(seconds), language)
        return seconds > 0 ? (language.text("r_left", span), false) : (language.text("r_overdue", span), true)
    }

    /// Whole minutes, rounded up while time is left (never "0 minutes left" while some is).
    static func duration(_ seconds: TimeInterval, _ language: Language) -> String {
        let minutes = Int((seconds / 60).rounded(.up))
        if minutes >= 1440 { return language.text("r_days", String(minutes / 1440)) }
        if minutes >= 60 {
            return minutes % 60 == 0
                ? language.text("r_hours", String(minutes / 60)) : language.text("r_hours_minutes", String(minutes / 60), String(minutes % 60))
        }
        return language.text("minutes", String(max(minutes, 1)))
    }
}

/// The deadline a report's page counts down to, for this viewer: the promise while nobody took it, the department's
/// window to report in after a whistle, the window to resolve once taken; nil once resolved.
enum PhoneWindow {
    static func of(_ report: Report, promiseSeconds: Int64, resolveWithinSeconds: Int64) -> (kind: NotificationWindow.Kind, deadline: Date)? {
        switch report.status {
        case .open, .duplicate:
            return (.promise, report.promiseDeadline(promiseSeconds: promiseSeconds))
        case .whistled where report.reportedInAt == nil:
            return (.reportIn, (report.whistledAt ?? report.createdAt).addingTimeInterval(TimeInterval(promiseSeconds)))
        case .acknowledged, .whistled:
            let start = report.reportedInAt ?? report.ackAt ?? report.createdAt
            return (.resolve, start.addingTimeInterval(TimeInterval(resolveWithinSeconds)))
        default:
            return nil
        }
    }
}

/// The inbox: what is waiting for me to take (or, for a department, to report in on), and what I am handling.
struct PhoneInbox {
    let me: Responder
    let snapshot: CommunitySnapshot
    let language: Language
    let now: Date

    struct Lists {
        var waiting: [ReportSummary]
        var mine: [ReportSummary]
    }

    func context(_ lists: Lists, rows limit: Int) -> [String: Any] {
        var page = language.pageContext
        // Newest danger first: untaken reports whose promise still runs, least time left first (they can still be
        // answered in time); then those past it, newest first; then mine, the nearest deadline to fix first.
        var waiting = lists.waiting
        if me.isDepartment { waiting = waiting.filter { $0.report.whistledTo == me.id && $0.report.reportedInAt == nil } }
        let timed = waiting.map { ($0, deadline($0)) }
        let running = timed.filter { $0.1 > now }.sorted { $0.1 < $1.1 }.map(\.0)
        let late = timed.filter { $0.1 <= now }.sorted { $0.0.report.createdAt > $1.0.report.createdAt }.map(\.0)
        let waitingIDs = Set(waiting.map(\.report.id))
        let mine = lists.mine.filter { !waitingIDs.contains($0.report.id) }.sorted { deadline($0) < deadline($1) }
        var shown = 0
        func rows(_ items: [ReportSummary]) -> [[String: Any]] {
            let take = max(0, min(items.count, limit - shown))
            shown += take
            return items.prefix(take).map(row)
        }
        let sections: [[String: Any]] = [
            ["title": language.text(me.isDepartment ? "r_waiting_department" : "r_waiting"), "count": waiting.count, "rows": rows(running + late)],
            ["title": language.text("r_mine"), "count": mine.count, "rows": rows(mine)],
        ]
        page["sections"] = sections
        let hidden = waiting.count + mine.count - shown
        if hidden > 0 { page["more"] = language.text("r_more", String(hidden)) }
        return page
    }

    private func deadline(_ summary: ReportSummary) -> Date {
        PhoneWindow.of(summary.report, promiseSeconds: summary.promiseSeconds, resolveWithinSeconds: summary.resolveWithinSeconds)?.deadline
            ?? summary.report.createdAt
    }

    private func row(_ summary: ReportSummary) -> [String: Any] {
        let report = summary.report
        let community = snapshot.communities[report.communityID]
        var row: [String: Any] = [
            "number": report.number, "pointName": report.placeName(pointName: summary.point.name),
            "category": community?.categories.first { $0.id == report.category }?.label ?? report.category,
        ]
        // With several communities in view, each row says whose it is.
        if snapshot.communities.count > 1, let community { row["community"] = community.name }
        if let window = PhoneWindow.of(report, promiseSeconds: summary.promiseSeconds, resolveWithinSeconds: summary.resolveWithinSeconds) {
            let left = TimeLeft.text(window.deadline, now: now, language)
            row["left"] = language.text("r_window_\(window.kind.rawValue)") + " " + left.text
            row["late"] = left.late
        }
        if report.status == .whistled, let to = report.whistledTo, to != me.id {
            row["state"] = language.text("r_whistled_to", snapshot.roster.responders[to]?.name ?? to)
        }
        return row
    }
}

/// One report as a phone shows it to `me`: what, where, how long is left, the phone (masked until I took it), the
/// timeline, and the buttons the rules allow now.
struct PhoneReportPage {
    let view: ReportView
    let me: Responder
    let snapshot: CommunitySnapshot
    let language: Language
    let now: Date

    func context(problem: PhoneProblem?, photoLink: (String) -> String) -> [String: Any] {
        let report = view.report
        let community = snapshot.communities[report.communityID]
        var page = language.pageContext
        page["number"] = report.number
        page["community"] = community?.name ?? ""
        page["status"] = language.text("r_status_\(report.status.rawValue)")
        page["kind"] = language.kindLabel(view.point.kind)
        page["pointName"] = report.placeName(pointName: view.point.name)
        // Who found it, by role, name and employer; never their phone.
        if let finder = report.foundBy.flatMap({ snapshot.roster.responders[$0] }) {
            page["foundBy"] = language.text("r_found_by", finder.finderLabel(role: language.roleLabel(.partTime)))
        }
        if me.role == .partTime, report.foundBy == me.id, let resolved = report.resolvedAt {
            page["thanks"] = language.text("r_found_thanks", TimeLeft.duration(resolved.timeIntervalSince(report.createdAt), language))
        }
        page["address"] = view.point.address
        page["category"] = community?.categories.first { $0.id == report.category }?.label ?? report.category
        page["description"] = report.description
        if let original = view.original { page["duplicateOf"] = language.text("r_duplicate_of", original.number) }
        if let window = PhoneWindow.of(report, promiseSeconds: view.policy.promiseSeconds, resolveWithinSeconds: view.policy.resolveWithinSeconds) {
            let left = TimeLeft.text(window.deadline, now: now, language)
            page["window"] = language.text("r_window_\(window.kind.rawValue)") + " " + left.text
            page["windowLate"] = left.late
        }
        page["photos"] = report.photoIDs.map(photoLink)
        if let phone = report.phone(shownTo: me) {
            // Only whoever took it calls back: a tap-to-call link for them, a mask for everyone else.
            if report.ackBy == me.id {
                page["call"] = phone
                page["callLabel"] = language.text("r_call", phone)
            } else {
                page["masked"] = phone
            }
        }
        page["timeline"] = timeline()
        let gridID = view.point.gridID
        let available = Set(ReportRules.available(scope: snapshot.roster.scope(for: me), on: report, gridID: gridID))
        page["canAck"] = available.contains(.acknowledge)
        page["ackLabel"] = language.text(report.status == .whistled ? "r_report_in" : "r_ack")
        page["canResolve"] = available.contains(.resolve)
        page["canWhistle"] = available.contains(.whistle)
        page["canReopen"] = available.contains(.reopen)
        page["departments"] = snapshot.roster.departments.map { department -> [String: Any] in
            ["id": department.id, "name": department.name, "checked": problem?.to == department.id]
        }
        if let problem {
            page["note_\(problem.action.rawValue)"] = problem.note
            if problem.field == "note" { page["error_\(problem.action.rawValue)"] = language.text("r_error_note") }
            if problem.field == "to" { page["error_department"] = language.text("r_error_department") }
            if let refusal = problem.refusal { page["alert"] = refusal }
        }
        return page
    }

    /// Who did what, by name and role (responders see each other); a resident is "居民"; never a phone.
    private func timeline() -> [[String: Any]] {
        view.events.compactMap { event -> [String: Any]? in
            func name(_ id: String?) -> String {
                guard let id else { return "" }
                if id == EventActor.resident { return language.text("r_resident") }
                if id == EventActor.system { return language.text("r_system") }
                guard let responder = view.actors[id] ?? snapshot.roster.responders[id] else { return id }
                return "\(responder.name)（\(language.roleLabel(responder.role))）"
            }
            var text: String
            switch event.kind {
            case .created:
                // A part-time worker's find names them (never their phone); a resident stays "居民".
                if let finder = view.report.foundBy.flatMap({ view.actors[$0] ?? snapshot.roster.responders[$0] }) {
                    text = language.text("r_ev_found", finder.finderLabel(role: language.roleLabel(.partTime)))
                } else {
                    text = language.text("r_ev_created")
                }
            case .notified: text = language.text("r_ev_notified", name(event.detail["responder"]))
            case .deliveryFailed: text = language.text("r_ev_delivery_failed", name(event.detail["responder"]))
            case .acknowledged: text = language.text("r_ev_acknowledged")
            case .whistled: text = language.text("r_ev_whistled", name(event.detail["to"]))
            case .reportedIn: text = language.text("r_ev_reported_in")
            case .breached: text = language.text("r_ev_breached")
            case .resolved: text = language.text("r_ev_resolved")
            case .reopened: text = language.text("r_ev_reopened")
            case .closed: text = language.text("r_ev_closed")
            case .rejected: text = language.text("r_ev_rejected")
            case .rated: text = language.text("r_ev_rated", event.detail["rating"] ?? "")
            case .personalDataRemoved: text = language.text("r_ev_personal_data_removed")
            default: return nil
            }
            if let actor = event.actor, actor != EventActor.system, event.kind != .created { text += " · " + name(actor) }
            var item: [String: Any] = ["time": ShanghaiTime.display(event.at), "text": text]
            if let note = event.detail["note"] { item["note"] = note }
            return item
        }
    }
}

/// A refusal from the store in words, chosen from the action and the report as it is now.
enum PhoneRefusal {
    static func forbidden(_ action: PhoneAction, report view: ReportView, language: Language) -> String {
        switch action {
        case .ack: language.text("r_forbidden_ack", name(view.report.whistledTo, view))
        case .resolve: language.text("r_forbidden_resolve")
        case .whistle: language.text("r_forbidden_whistle")
        case .reopen: language.text("r_forbidden_reopen")
        }
    }

    static func conflict(_ action: PhoneAction, report view: ReportView, me: Responder, language: Language) -> String {
        let report = view.report
        switch (action, report.status) {
        case (.ack, .whistled) where report.reportedInAt != nil:
            return language.text("r_reported_in_already", name(report.whistledTo, view))
        case (.ack, _) where report.ackBy != nil:
            return report.ackBy == me.id ? language.text("r_taken_by_you") : language.text("r_taken_by", name(report.ackBy, view))
        case (.resolve, .open), (.whistle, .open):
            return language.text("r_ack_first")
        default:
            return language.text("r_state", language.text("r_status_\(report.status.rawValue)"))
        }
    }

    private static func name(_ id: String?, _ view: ReportView) -> String {
        guard let id else { return "" }
        return view.actors[id]?.name ?? id
    }
}
