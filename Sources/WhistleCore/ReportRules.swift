/// Who may do what to a report. The store applies these inside the transaction that acts, against the report as it is
/// then — a check made on an earlier read could be stale by the time the write runs (someone else took the report,
/// it was whistled on, the responder was deactivated).
public enum ReportRules {
    /// What the store asks, inside its write: nil when `scope`'s responder may apply `action` to `report` (on a point of
    /// `gridID`); `.outOfScope` when the report is not theirs to see (answered as "not found": its existence is not
    /// theirs to know); `.refused(why)` otherwise.
    /// The status machine (`ReportStatus.applying`) is checked separately: this is about the person, not the state.
    public static func check(_ action: ReportAction, scope: Scope, on report: Report, gridID: String) -> Verdict? {
        guard scope.responder.active else { return .refused("\(scope.responder.id) is no longer active") }
        guard scope.allows(report, gridID: gridID) else { return .outOfScope }
        if scope.responder.role == .partTime {
            return .refused("part-time grid workers report problems; the grid's workers handle them")
        }
        return roleRefusal(action, by: scope.responder, oversees: scope.oversees(report), on: report).map(Verdict.refused)
    }

    /// The actions a page offers `scope`'s responder on `report`: those the status machine and the rules both allow
    /// now. For display only: the store judges again inside the write that acts.
    public static func available(scope: Scope, on report: Report, gridID: String) -> [ReportAction] {
        [ReportAction.acknowledge, .whistle, .resolve, .reopen].filter { action in
            // A department reports in once; after that 接单 is not offered again (the store refuses it).
            if action == .acknowledge, report.status == .whistled, report.reportedInAt != nil { return false }
            return report.status.applying(action) != nil && check(action, scope: scope, on: report, gridID: gridID) == nil
        }
    }

    public enum Verdict: Sendable, Equatable {
        case outOfScope
        case refused(String)
    }

    /// `oversees`: a leader or the secretary of the report's community, or street staff.
    private static func roleRefusal(_ action: ReportAction, by responder: Responder, oversees: Bool, on report: Report) -> String? {
        let number = report.number
        switch action {
        case .acknowledge:
            // On a whistled report only the department reports in; otherwise anyone who can see it may take it.
            if report.status == .whistled, report.whistledTo != responder.id {
                return "report \(number) was whistled to \(report.whistledTo ?? "a department"); only it reports in"
            }
            return nil
        case .resolve:
            if report.ackBy == responder.id || report.whistledTo == responder.id || oversees { return nil }
            return "only whoever took report \(number), its department, its community's grid leader or secretary, or the street can resolve it"
        case .whistle:
            if report.ackBy == responder.id || oversees { return nil }
            return "take report \(number) first (whistle ack), or ask the grid leader"
        case .reopen:
            if report.ackBy == responder.id || oversees { return nil }
            return "only whoever took report \(number), its community's grid leader or secretary, or the street can reopen it"
        case .reject, .close:
            if oversees { return nil }
            return "only its community's grid leader or secretary, or the street, can \(action.rawValue) report \(number)"
        }
    }
}
