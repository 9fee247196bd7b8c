/// Which reports a responder may see and act on: a grid worker the grids they serve (and what they took), leaders and
/// the secretary everything, a department (or property company, or merchant) what was whistled to it.
///
/// One definition for every reader: the API's lists and pages, the live feed, and the store's write transaction, which
/// refuses an action on a report outside the actor's scope (so a stale read cannot let anyone act beyond it).
public struct Scope: Sendable, Equatable {
    public var responder: Responder
    /// Grids the responder is on duty in or leads.
    public var gridIDs: Set<String>

    public init(responder: Responder, gridIDs: Set<String>) {
        self.responder = responder
        self.gridIDs = gridIDs
    }

    public var seesAll: Bool { responder.role == .gridLeader || responder.role == .secretary }

    /// Whether `report`, on a point of `gridID`, is within this scope.
    public func allows(_ report: Report, gridID: String) -> Bool {
        if seesAll { return true }
        switch responder.role {
        case .gridWorker: return gridIDs.contains(gridID) || report.ackBy == responder.id
        case .department, .property, .merchant: return report.whistledTo == responder.id
        case .gridLeader, .secretary: return true
        }
    }
}

extension Roster {
    /// The scope of `responder` under this roster: the grids of their duty shifts and the grids they lead.
    public func scope(for responder: Responder) -> Scope {
        var grids = Set(schedule.shifts.filter { $0.responderID == responder.id }.map(\.gridID))
        grids.formUnion(self.grids.values.filter { $0.leaderID == responder.id }.map(\.id))
        return Scope(responder: responder, gridIDs: grids)
    }
}
