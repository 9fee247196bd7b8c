/// Which reports a responder may see and act on:
///
/// | role | sees |
/// |---|---|
/// | grid worker | reports on the grids they are on duty in or lead, and what they took |
/// | grid leader, secretary | every report of their community |
/// | street staff | every report of every community |
/// | department, property company, merchant | what was whistled to them, from any community |
/// | part-time grid worker | what they found |
///
/// One definition for every reader: the API's lists and pages, the live feed, the SLA, and the store's write
/// transaction, which refuses an action on a report outside the actor's scope (so a stale read cannot let anyone act
/// beyond it). The store's SQL for a scope (`ScopeSQL`) is tested against `allows`.
public struct Scope: Sendable, Equatable {
    public var responder: Responder
    /// Grids the responder is on duty in or leads.
    public var gridIDs: Set<String>

    public init(responder: Responder, gridIDs: Set<String>) {
        self.responder = responder
        self.gridIDs = gridIDs
    }

    public enum Reach: Sendable, Equatable {
        /// Every report (street staff).
        case everything
        /// Every report of one community (its leaders and secretary).
        case community(Int64)
        /// Reports on these grids, and those the responder took.
        case grids(Set<String>)
        /// Reports whistled to the responder.
        case whistledTo
        /// Reports the responder found (a part-time grid worker's own).
        case foundBy
    }

    public var reach: Reach {
        switch responder.role {
        case .street: .everything
        case .gridLeader, .secretary: responder.communityID.map(Reach.community) ?? .everything
        case .gridWorker: .grids(gridIDs)
        case .department, .property, .merchant: .whistledTo
        case .partTime: .foundBy
        }
    }

    /// Leaders, the secretary and street staff see whole communities; whether this responder oversees `report`'s.
    public func oversees(_ report: Report) -> Bool {
        switch reach {
        case .everything: true
        case .community(let id): report.communityID == id
        case .grids, .whistledTo, .foundBy: false
        }
    }

    /// The communities whose whole picture (the SLA, plaque health) this responder may read: nil for all, empty for none.
    public var communities: Set<Int64>? {
        switch reach {
        case .everything: nil
        case .community(let id): [id]
        case .grids, .whistledTo, .foundBy: []
        }
    }

    /// Whether `report`, on a point of `gridID`, is within this scope.
    public func allows(_ report: Report, gridID: String) -> Bool {
        switch reach {
        case .everything: true
        case .community(let id): report.communityID == id || report.ackBy == responder.id
        case .grids(let grids): grids.contains(gridID) || report.ackBy == responder.id
        case .whistledTo: report.whistledTo == responder.id
        case .foundBy: report.foundBy == responder.id
        }
    }
}

extension Roster {
    /// The scope of `responder` under this roster: the grids of their duty shifts and the grids they lead.
    public func scope(for responder: Responder) -> Scope {
        // A part-time worker's grids are where they report (`/me` shows them); what they see is what they found.
        if responder.role == .partTime { return Scope(responder: responder, gridIDs: Set(responder.grids)) }
        var grids = Set(schedule.shifts.filter { $0.responderID == responder.id }.map(\.gridID))
        grids.formUnion(self.grids.values.filter { $0.leaderID == responder.id }.map(\.id))
        return Scope(responder: responder, gridIDs: grids)
    }
}
