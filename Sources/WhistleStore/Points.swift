import Foundation
import GRDB
import WhistleCore

/// A community's settings as stored by the last import.
public struct CommunityInfo: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    /// Its own, or else the street's (the one address every community of the street shares).
    public var baseURL: String
    public var categories: [Category]
    public var policyID: Int64
    public var policy: EscalationPolicy

    /// The exact text of a point's QR code.
    public func url(for point: Point) -> String { baseURL + "/p/" + point.code }
}

/// What a scanned or typed code refers to.
public enum CodeLookup: Sendable, Equatable {
    case active(Point)
    /// Rotated away, or its point was deactivated: the plaque must be replaced.
    case void(Point)
    case unknown
}

/// The street office, when a street file has been imported.
public struct StreetInfo: Sendable, Equatable {
    public var name: String
    public var baseURL: String?
}

extension AppDatabase {
    /// Every community, by id (empty until one has been imported).
    public func communities() async throws -> [CommunityInfo] {
        try await snapshot().communityList
    }

    /// One community, nil when there is no such community.
    public func community(id: Int64) async throws -> CommunityInfo? {
        try await snapshot().communities[id]
    }

    static func communities(_ tx: any SQLTransaction) throws -> [CommunityInfo] {
        let street = try tx.fetch(StreetRow.self, id: 1)
        return try tx.fetchAll(CommunityRow.self, "SELECT * FROM community ORDER BY id").map { row in
            let json = try tx.value("SELECT json FROM policy WHERE id = ?", [row.policyID], as: String.self) ?? "{}"
            let policy = try JSONDecoder().decode(EscalationPolicy.self, from: Data(json.utf8))
            return CommunityInfo(
                id: row.id, name: row.name, baseURL: row.baseURL ?? street?.baseURL ?? "", categories: row.categories,
                policyID: row.policyID, policy: policy)
        }
    }

    static func communities(_ db: Database) throws -> [CommunityInfo] {
        try communities(GRDBTransaction(db))
    }

    public func isEmpty() async throws -> Bool {
        try await read { tx in try tx.value("SELECT COUNT(*) FROM community", as: Int.self) == 0 }
    }

    public func points(includeInactive: Bool = false, community: Int64? = nil) async throws -> [Point] {
        try await read { tx in
            // Places with plaques: a grid's typed place has none to print, rotate or check.
            var conditions: [String] = ["kind <> 'grid'"]
            var arguments: SQLArguments = []
            if !includeInactive { conditions.append("active") }
            if let community {
                conditions.append("community_id = ?")
                arguments = [community]
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try tx.fetchAll(Point.self, "SELECT * FROM point\(filter) ORDER BY community_id, grid_id, kind, id", arguments)
        }
    }

    public func point(id: String) async throws -> Point? {
        try await read { tx in try tx.fetch(Point.self, id: id) }
    }

    public func grids() async throws -> [Grid] {
        try await read { tx in try tx.fetchAll(Grid.self, "SELECT * FROM grid ORDER BY id") }
    }

    public func responders() async throws -> [Responder] {
        try await read { tx in try tx.fetchAll(Responder.self, "SELECT * FROM responder ORDER BY id") }
    }

    /// What `code` (as printed or typed) refers to.
    public func lookup(code raw: String) async throws -> CodeLookup {
        try await snapshot().lookup(code: raw)
    }

    /// Gives a point a new code; the old one is kept as retired so its plaque reads as void, not unknown.
    public func rotateCode(pointID: String, at now: Date = Date()) async throws -> Point {
        try await write { tx in
            guard var point = try tx.fetch(Point.self, id: pointID), !point.isGridPlace else { throw StoreError.notFound("point '\(pointID)'") }
            try tx.execute("INSERT INTO retired_code (code, point_id, retired_at) VALUES (?, ?, ?)", [point.code, point.id, now])
            let old = point.code
            point.code = try Self.freshCode(tx)
            try tx.update(point)
            try tx.insert(Event(reportID: nil, pointID: point.id, at: now, kind: .codeRotated, actor: EventActor.office, detail: ["old": old]))
            return point
        }
    }

    /// Counts a view of a point's page for plaque health (per local day; nothing about the visitor).
    public func countScan(pointID: String, at now: Date = Date()) async throws {
        try await addScans([ScanTally(key: .init(pointID: pointID, day: ShanghaiTime.dayStamp(now)), count: 1)], relaxed: false)
    }

    /// Adds views counted in memory, all in one transaction that does not wait for the disk (see `ScanCounter`).
    public func addScans(_ tallies: [ScanTally]) async throws {
        try await addScans(tallies, relaxed: true)
    }

    private func addScans(_ tallies: [ScanTally], relaxed: Bool) async throws {
        let body: @Sendable (any SQLTransaction) throws -> Void = { tx in
            for tally in tallies {
                try tx.execute(
                    """
                    INSERT INTO scan_count (point_id, day, count) VALUES (?, ?, ?)
                    ON CONFLICT (point_id, day) DO UPDATE SET count = scan_count.count + excluded.count
                    """, [tally.key.pointID, tally.key.day, tally.count])
            }
        }
        if relaxed { try await writeRelaxedSQL(body) } else { try await write(body) }
    }
}

/// Views of one point's page on one local day.
public struct ScanTally: Sendable, Equatable {
    public struct Key: Sendable, Hashable {
        public var pointID: String
        public var day: String

        public init(pointID: String, day: String) {
            self.pointID = pointID
            self.day = day
        }
    }

    public var key: Key
    public var count: Int

    public init(key: Key, count: Int) {
        self.key = key
        self.count = count
    }
}
