import Foundation
import WhistleCore

/// What an import changed, per kind of entry.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public struct Counts: Sendable, Equatable {
        public var created: [String] = []
        public var updated: [String] = []
        public var deactivated: [String] = []
        /// Taken over by the street file from a community's.
        public var moved: [String] = []
        public var unchanged = 0
        public var changed: Bool { !(created.isEmpty && updated.isEmpty && deactivated.isEmpty && moved.isEmpty) }
    }

    /// "community 2 华信社区" in a street import; nil for a single file's import.
    public var title: String?
    public var street = Counts()
    public var community = Counts()
    public var categories = Counts()
    public var grids = Counts()
    public var responders = Counts()
    public var duty = Counts()
    public var points = Counts()
    public var policy = Counts()

    public init(title: String? = nil) { self.title = title }

    public var changed: Bool {
        [street, community, categories, grids, responders, duty, points, policy].contains { $0.changed }
    }

    public var description: String {
        let heading = title.map { $0 + ": " } ?? ""
        guard changed else { return heading + "no changes: the database already matches the file" }
        var lines: [String] = title.map { [$0 + ":"] } ?? []
        for (name, counts) in [
            ("street", street), ("community", community), ("categories", categories), ("grids", grids), ("responders", responders),
            ("duty", duty), ("points", points), ("policy", policy),
        ] {
            var parts: [String] = []
            if !counts.created.isEmpty { parts.append("\(counts.created.count) created (\(counts.created.joined(separator: ", ")))") }
            if !counts.updated.isEmpty { parts.append("\(counts.updated.count) updated (\(counts.updated.joined(separator: ", ")))") }
            if !counts.moved.isEmpty {
                parts.append("\(counts.moved.count) moved to the street file (\(counts.moved.joined(separator: ", ")))")
            }
            if !counts.deactivated.isEmpty {
                parts.append("\(counts.deactivated.count) deactivated (\(counts.deactivated.joined(separator: ", ")))")
            }
            if counts.unchanged > 0 { parts.append("\(counts.unchanged) unchanged") }
            if !parts.isEmpty { lines.append((title == nil ? "" : "  ") + "\(name): " + parts.joined(separator: "; ")) }
        }
        return lines.joined(separator: "\n")
    }
}

extension AppDatabase {
    /// Creates or updates one community from a checked file, in one transaction, upserting by id.
    ///
    /// Points and responders missing from the file are deactivated, not deleted: reports still refer to them. Only this
    /// community's are touched: another community's grids, duty, points and responders are left as they are. A point
    /// keeps its code across imports; a new point gets a fresh one.
    @discardableResult
    public func importCommunity(_ community: Community, at now: Date = Date()) async throws -> ImportSummary {
        try await write { tx in
            try Self.lockCatalogue(tx)
            return try Self.importCommunity(community, streetImport: false, at: now, tx)
        }
    }

    /// Imports the street file and the community files it lists, all in one transaction: all or nothing.
    ///
    /// Departments and staff belong to the street file (`community_id` NULL). A department an upgraded database holds
    /// under community 1 is taken over by the street when the street file lists it.
    @discardableResult
    public func importStreet(_ street: Street, communities: [Community], at now: Date = Date()) async throws -> [ImportSummary] {
        try await write { tx in
            try Self.lockCatalogue(tx)
            var summary = ImportSummary(title: "street \(street.name)")
            let row = StreetRow(name: street.name, baseURL: street.baseURL, updatedAt: now)
            if let existing = try tx.fetch(StreetRow.self, id: 1) {
                if existing.name != row.name || existing.baseURL != row.baseURL {
                    try tx.update(row)
                    summary.street.updated.append(street.name)
                } else {
                    summary.street.unchanged += 1
                }
            } else {
                try tx.insert(row)
                summary.street.created.append(street.name)
            }
            for responder in street.responders {
                if let owner = try tx.value(
                    "SELECT community_id FROM responder WHERE id = ? AND community_id IS NOT NULL", [responder.id], as: Int64.self)
                {
                    guard responder.role != .street else {
                        throw Self.refusal("staff '\(responder.id)'", "id", "is used by \(try Self.owner(owner, tx)); choose another id")
                    }
                    // Defined by a community file before the street file existed (an upgraded database): the street
                    // takes the department over; the community file must stop listing it (its next import says so).
                    try tx.execute("UPDATE responder SET community_id = NULL WHERE id = ?", [responder.id])
                    summary.responders.moved.append(responder.id)
                }
                try Self.upsert(responder, id: responder.id, into: &summary.responders, tx)
            }
            summary.responders.deactivated = try Self.deactivate(
                Responder.self, keeping: Set(street.responders.map(\.id)), where: "community_id IS NULL", arguments: [], tx)

            var summaries = [summary]
            var seen: [Int64: String] = [:]
            for community in communities {
                guard community.idGiven else {
                    throw Self.refusal("community \(community.name)", "id", "is missing: every community a street file lists needs its own id (e.g. id: 2)")
                }
                if let other = seen.updateValue(community.name, forKey: community.id) {
                    throw Self.refusal("community \(community.name)", "id", "is \(community.id), which \(other) also uses")
                }
                summaries.append(try Self.importCommunity(community, streetImport: true, at: now, tx))
            }
            return summaries
        }
    }

    /// Imports queue behind one another on PostgreSQL, whichever node runs them: each reads what it compares under
    /// read committed, so two at once could both create the same row. SQLite's single writer already serializes them.
    private static func lockCatalogue(_ tx: any SQLTransaction) throws {
        if tx.dialect == .postgres { try tx.execute("SELECT version FROM catalogue_version WHERE id = 1 FOR UPDATE") }
    }

    static func importCommunity(_ community: Community, streetImport: Bool, at now: Date, _ tx: any SQLTransaction) throws -> ImportSummary {
        let id = community.id
        var summary = ImportSummary(title: streetImport ? "community \(id) \(community.name)" : nil)
        let where_ = "community \(community.name)"
        if !community.idGiven {
            // A file without an id is the only community. Once there are several (or a street file), a copied file
            // without an id must not silently overwrite community 1.
            let others = try tx.value("SELECT COUNT(*) FROM community WHERE id <> 1", as: Int64.self) ?? 0
            let streets = try tx.value("SELECT COUNT(*) FROM street", as: Int64.self) ?? 0
            if others > 0 || streets > 0 {
                throw refusal(where_, "id", "is missing: this deployment has a street file or several communities; add `id: 1` to this file if it is community 1, or a new id for a new community")
            }
        }
        let street = try tx.fetch(StreetRow.self, id: 1)
        if community.baseURL == nil && street?.baseURL == nil {
            throw refusal("community", "base_url", "is missing (and no street file gives one): the address printed into its QR codes")
        }
        // Ids of responders, grids and points are unique across the street: one file owns each.
        for responder in community.responders {
            if let row = try tx.fetchOne("SELECT community_id FROM responder WHERE id = ?", [responder.id]) {
                let ownerID = try row.optional("community_id", as: Int64.self)
                if ownerID == nil {
                    throw refusal("responder '\(responder.id)'", "id", "is defined in the street file; remove it here")
                } else if ownerID != id {
                    throw refusal("responder '\(responder.id)'", "id", "is used by \(try owner(ownerID!, tx)); prefix it, e.g. c\(id)-\(responder.id)")
                }
            }
        }
        for (kind, table, ids) in [("grid", "grid", community.grids.map(\.id)), ("point", "point", community.points.map(\.id))] {
            for entryID in ids {
                if let ownerID = try tx.value("SELECT community_id FROM \(table) WHERE id = ?", [entryID], as: Int64.self), ownerID != id {
                    throw refusal("\(kind) '\(entryID)'", "id", "is used by \(try owner(ownerID, tx)); prefix it, e.g. c\(id)-\(entryID)")
                }
            }
        }
        // A policy may name the street's departments and staff, and nobody else outside this file.
        let own = Set(community.responders.map(\.id))
        for target in community.sharedTargets where !own.contains(target) {
            let shared = try tx.value(
                "SELECT EXISTS (SELECT 1 FROM responder WHERE id = ? AND active AND community_id IS NULL)", [target], as: Bool.self) ?? false
            if !shared {
                throw refusal("policy", "notify", "names '\(target)', neither a role (on_duty, backup, grid_leader, secretary, street) nor a responder of this file or the street file")
            }
        }

        let policyID = try policyID(for: community.policy, at: now, tx)
        let row = CommunityRow(
            id: id, name: community.name, baseURL: community.baseURL, categories: community.categories, policyID: policyID, updatedAt: now)
        let existing = try tx.fetch(CommunityRow.self, id: id)
        if let existing {
            if existing.name != community.name || existing.baseURL != community.baseURL {
                summary.community.updated.append(community.name)
            } else {
                summary.community.unchanged += 1
            }
            if existing.categories != community.categories { summary.categories.updated.append("list") }
            if existing.policyID != policyID { summary.policy.updated.append("escalation") }
        } else {
            summary.community.created.append(community.name)
            summary.categories.created.append(contentsOf: community.categories.map(\.id))
            summary.policy.created.append("escalation")
        }
        if existing == nil {
            try tx.insert(row)
        } else if summary.community.changed || summary.categories.changed || summary.policy.changed {
            try tx.update(row)
        }

        // Responders before grids: a grid names its leader.
        for responder in community.responders {
            try upsert(responder, id: responder.id, into: &summary.responders, tx)
        }
        summary.responders.deactivated = try deactivate(
            Responder.self, keeping: own, where: "community_id = ?", arguments: [id], tx)

        for grid in community.grids {
            try upsert(grid, id: grid.id, into: &summary.grids, tx)
        }

        // Duty rows have no ids: the file's table replaces this community's stored one when they differ. Their order
        // is the file's (SQLite's rowid; PostgreSQL's identity).
        let ofThisCommunity = "grid_id IN (SELECT id FROM grid WHERE community_id = ?)"
        let order = tx.dialect == .sqlite ? "rowid" : "id"
        let storedDuty = try tx.fetchAll(DutyShift.self, "SELECT * FROM duty WHERE \(ofThisCommunity) ORDER BY \(order)", [id])
        if storedDuty != community.duty {
            try tx.execute("DELETE FROM duty WHERE \(ofThisCommunity)", [id])
            for shift in community.duty { try tx.insert(shift) }
            if storedDuty.isEmpty {
                summary.duty.created = ["\(community.duty.count) rows"]
            } else {
                summary.duty.updated = ["\(community.duty.count) rows"]
            }
        } else {
            summary.duty.unchanged = storedDuty.count
        }

        for draft in community.points {
            let existing = try tx.fetch(Point.self, id: draft.id)
            let point = Point(
                id: draft.id, kind: draft.kind, name: draft.name, address: draft.address, gridID: draft.gridID,
                latitude: draft.latitude, longitude: draft.longitude, code: try existing?.code ?? freshCode(tx),
                services: draft.services, active: draft.active, communityID: id)
            try upsert(point, id: point.id, into: &summary.points, tx)
        }
        summary.points.deactivated = try deactivate(
            Point.self, keeping: Set(community.points.map(\.id)), where: "community_id = ? AND kind <> 'grid'", arguments: [id], tx)
        try syncGridPlaces(community, tx)
        return summary
    }

    /// A grid's typed place (`PointKind.grid`) exists, active, for each grid an active part-time worker of the file
    /// passes through, so that their reports from a spot without a plaque enter that grid's ladder like any other. These
    /// rows follow from the responders; the summary does not count them.
    private static func syncGridPlaces(_ community: Community, _ tx: any SQLTransaction) throws {
        let passed = Set(community.responders.filter { $0.role == .partTime && $0.active }.flatMap(\.grids))
        let stored = try tx.fetchAll(Point.self, "SELECT * FROM point WHERE kind = 'grid' AND community_id = ?", [community.id])
        var known = Set<String>()
        for var place in stored {
            known.insert(place.id)
            let wanted = community.grids.first { Point.gridPlaceID($0.id) == place.id }
            let active = wanted.map { passed.contains($0.id) } ?? false
            let name = wanted?.name ?? place.name
            if place.active != active || place.name != name {
                place.active = active
                place.name = name
                try tx.update(place)
            }
        }
        for grid in community.grids where passed.contains(grid.id) && !known.contains(Point.gridPlaceID(grid.id)) {
            try tx.insert(
                Point(
                    id: Point.gridPlaceID(grid.id), kind: .grid, name: grid.name, gridID: grid.id, code: Point.gridPlaceCode(grid.id),
                    communityID: community.id))
        }
    }

    /// "community 1 (晨宇社区)", for messages about who owns an id.
    private static func owner(_ communityID: Int64, _ tx: any SQLTransaction) throws -> String {
        let name = try tx.value("SELECT name FROM community WHERE id = ?", [communityID], as: String.self)
        return "community \(communityID)" + (name.map { " (\($0))" } ?? "")
    }

    private static func refusal(_ entry: String, _ field: String, _ problem: String) -> ImportError {
        .invalid(CommunityErrors(errors: [CommunityError(entry: entry, field: field, problem: problem)]))
    }

    private static func upsert<R: SQLRecord & Equatable>(
        _ record: R, id: String, into counts: inout ImportSummary.Counts, _ tx: any SQLTransaction
    ) throws {
        if let existing = try tx.fetch(R.self, id: id) {
            if existing == record {
                counts.unchanged += 1
            } else {
                try tx.update(record)
                counts.updated.append(id)
            }
        } else {
            try tx.insert(record)
            counts.created.append(id)
        }
    }

    /// Deactivates the active rows matching `condition` whose ids are not in `ids` (this file's own rows).
    private static func deactivate<R: SQLRecord>(
        _ type: R.Type, keeping ids: Set<String>, where condition: String, arguments: SQLArguments, _ tx: any SQLTransaction
    ) throws -> [String] {
        let active = try tx.fetchAll("SELECT id FROM \(R.table) WHERE active AND \(condition) ORDER BY id", arguments)
            .map { try $0.get("id", as: String.self) }
        let gone = active.filter { !ids.contains($0) }
        for id in gone {
            try tx.execute("UPDATE \(R.table) SET active = ? WHERE id = ?", [false, id])
        }
        return gone
    }

    /// The id of the stored policy equal to `policy`, inserting it when new: reports keep the policy they came in under.
    static func policyID(for policy: EscalationPolicy, at now: Date, _ tx: any SQLTransaction) throws -> Int64 {
        let json = String(decoding: try canonicalJSON().encode(policy), as: UTF8.self)
        if let id = try tx.value("SELECT id FROM policy WHERE json = ?", [json], as: Int64.self) { return id }
        guard let id = try tx.value("INSERT INTO policy (json, created_at) VALUES (?, ?) RETURNING id", [json, now], as: Int64.self) else {
            throw StoreError.notAllowed("the policy was not stored")
        }
        return id
    }

    /// A code no point has used, current or retired.
    static func freshCode(_ tx: any SQLTransaction) throws -> String {
        while true {
            let code = PointCode.generate()
            let used = try tx.value(
                "SELECT EXISTS (SELECT 1 FROM point WHERE code = ?1) OR EXISTS (SELECT 1 FROM retired_code WHERE code = ?1)",
                [code], as: Bool.self) ?? false
            if !used { return code }
        }
    }
}

/// Sorted keys, so that equal policies are equal strings.
func canonicalJSON() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}
