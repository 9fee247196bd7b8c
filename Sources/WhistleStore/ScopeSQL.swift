import WhistleCore

/// A `Scope` as a WHERE condition on `report` joined to `point`: the one translation every query of reports by scope
/// uses (the lists, the live feed). `ScopeSQLTests` checks it selects exactly what `Scope.allows` allows.
enum ScopeSQL {
    static func condition(_ scope: Scope) -> (sql: String, arguments: SQLArguments) {
        let me = scope.responder.id
        switch scope.reach {
        case .everything:
            // TRUE, not 1: PostgreSQL's AND takes booleans only.
            return ("TRUE", [])
        case .community(let id):
            return ("(report.community_id = ? OR report.ack_by = ?)", [id, me])
        case .grids(let grids):
            let list = grids.isEmpty ? "NULL" : grids.map { _ in "?" }.joined(separator: ",")
            return ("(point.grid_id IN (\(list)) OR report.ack_by = ?)", SQLArguments((grids.sorted() + [me]).map { .text($0) }))
        case .whistledTo:
            return ("report.whistled_to = ?", [me])
        case .foundBy:
            return ("report.found_by = ?", [me])
        }
    }
}
