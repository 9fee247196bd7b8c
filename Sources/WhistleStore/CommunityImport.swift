import Foundation
import GRDB
import WhistleCore

/// What an import changed, per kind of entry.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public struct Counts: Sendable, Equatable {
        public var created: [String] = []
        public var updated: [String] = []
        public var deactivated: [String] = []
        public var unchanged = 0
        public var changed: Bool { !(created.isEmpty && updated.isEmpty && deactivated.isEmpty) }
    }

    public var community = Counts()
    public var categories = Counts()
    public var grids = Counts()
    public var responders = Counts()
    public var duty = Counts()
    public var points = Counts()
    public var policy = Counts()

    public var changed: Bool {
        [community, categories, grids, responders, duty, points, policy].contains { $0.changed }
    }

    public var description: String {
        guard changed else { return "no changes: the database already matches the file" }
        var lines: [String] = []
        for (name, counts) in [
            ("community", community), ("categories", categories), ("grids", grids), ("responders", responders),
            ("duty", duty), ("points", points), ("policy", policy),
        ] {
            var parts: [String] = []
            if !counts.created.isEmpty { parts.append("\(counts.created.count) created (\(counts.created.joined(separator: ", ")))") }
            if !counts.updated.isEmpty { parts.append("\(counts.updated.count) updated (\(counts.updated.joined(separator: ", ")))") }
            if !counts.deactivated.isEmpty {
                parts.append("\(counts.deactivated.count) deactivated (\(counts.deactivated.joined(separator: ", ")))")
            }
            if counts.unchanged > 0 { parts.append("\(counts.unchanged) unchanged") }
            if !parts.isEmpty { lines.append("\(name): " + parts.joined(separator: "; ")) }
        }
        return lines.joined(separator: "\n")
    }
}

extension AppDatabase {
    /// Creates or updates the community from a checked file, in one transaction, upserting by id.
    ///
    /// Points and responders missing from the file are deactivated, not deleted: reports still refer to them.
    /// A point keeps its code across imports; a new point gets a fresh one.
    @discardableResult
    public func importCommunity(_ community: Community, at now: Date = Date()) throws -> ImportSummary {
        try writer.write { db in
            var summary = ImportSummary()

            let policyID = try Self.policyID(for: community.policy, at: now, db)
            if let existing = try CommunityRow.fetchOne(db, key: 1) {
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
            if summary.community.changed || summary.categories.changed || summary.policy.changed {
                try CommunityRow(
                    name: community.name, baseURL: community.baseURL, categories: community.categories, policyID: policyID,
                    updatedAt: now
                ).save(db)
            }

            // Responders before grids: a grid names its leader.
            for responder in community.responders {
                try Self.upsert(responder, id: responder.id, into: &summary.responders, db)
            }
            summary.responders.deactivated = try Self.deactivate(
                Responder.self, keeping: Set(community.responders.map(\.id)), db)

            for grid in community.grids {
                try Self.upsert(grid, id: grid.id, into: &summary.grids, db)
            }

            // Duty rows have no ids: the file's table replaces the stored one when they differ.
            let storedDuty = try DutyShift.fetchAll(db, sql: "SELECT * FROM duty ORDER BY rowid")
            if storedDuty != community.duty {
                try db.execute(sql: "DELETE FROM duty")
                for shift in community.duty { try shift.insert(db) }
                if storedDuty.isEmpty {
                    summary.duty.created = ["\(community.duty.count) rows"]
                } else {
                    summary.duty.updated = ["\(community.duty.count) rows"]
                }
            } else {
                summary.duty.unchanged = storedDuty.count
            }

            for draft in community.points {
                let existing = try Point.fetchOne(db, key: draft.id)
                let point = Point(
                    id: draft.id, kind: draft.kind, name: draft.name, address: draft.address, gridID: draft.gridID,
                    latitude: draft.latitude, longitude: draft.longitude, code: try existing?.code ?? Self.freshCode(db),
                    services: draft.services, active: draft.active)
                try Self.upsert(point, id: point.id, into: &summary.points, db)
            }
            summary.points.deactivated = try Self.deactivate(Point.self, keeping: Set(community.points.map(\.id)), db)
            return summary
        }
    }

    private static func upsert<R: FetchableRecord & PersistableRecord & Equatable>(
        _ record: R, id: String, into counts: inout ImportSummary.Counts, _ db: Database
    ) throws {
        if let existing = try R.fetchOne(db, key: id) {
            if existing == record {
                counts.unchanged += 1
            } else {
                try record.update(db)
                counts.updated.append(id)
            }
        } else {
            try record.insert(db)
            counts.created.append(id)
        }
    }

    private static func deactivate<R: TableRecord>(_ type: R.Type, keeping ids: Set<String>, _ db: Database) throws -> [String] {
        let active = try String.fetchAll(db, sql: "SELECT id FROM \(R.databaseTableName) WHERE active ORDER BY id")
        let gone = active.filter { !ids.contains($0) }
        for id in gone {
            try db.execute(sql: "UPDATE \(R.databaseTableName) SET active = 0 WHERE id = ?", arguments: [id])
        }
        return gone
    }

    /// The id of the stored policy equal to `policy`, inserting it when new: reports keep the policy they came in under.
    static func policyID(for policy: EscalationPolicy, at now: Date, _ db: Database) throws -> Int64 {
        let json = String(decoding: try canonicalJSON().encode(policy), as: UTF8.self)
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM policy WHERE json = ?", arguments: [json]) { return id }
        try db.execute(sql: "INSERT INTO policy (json, created_at) VALUES (?, ?)", arguments: [json, now])
        return db.lastInsertedRowID
    }

    /// A code no point has used, current or retired.
    static func freshCode(_ db: Database) throws -> String {
        while true {
            let code = PointCode.generate()
            let used = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM point WHERE code = ?1) OR EXISTS (SELECT 1 FROM retired_code WHERE code = ?1)",
                arguments: [code]) ?? false
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
