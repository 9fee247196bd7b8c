import Foundation
import GRDB
import Synchronization
import WhistleCore

/// What every request reads and almost nothing writes: the community with its policy, the points by code (retired
/// codes included), and the roster (grids, responders, duty). Loaded once per change, not once per request.
///
/// Profiling `GET /p/{code}` and report POSTs showed most of their time in reading and JSON-decoding these rows
/// again for every request (see BENCHMARKS.md). The `v8` triggers bump `catalogue_version` on any change from any
/// process, so a cached copy is checked with one integer read in the caller's own snapshot or transaction.
public struct CommunitySnapshot: Sendable {
    public let version: Int64
    public let communities: [Int64: CommunityInfo]
    public let street: StreetInfo?
    let pointsByID: [String: Point]
    let pointsByCode: [String: Point]
    let retired: [String: String]
    public let roster: Roster

    /// What a scanned code is now.
    public func lookup(code raw: String) -> CodeLookup {
        guard let code = PointCode.normalize(raw) else { return .unknown }
        // A grid's typed place has no plaque (its code cannot even be typed): never a page.
        if let point = pointsByCode[code], !point.isGridPlace { return point.active ? .active(point) : .void(point) }
        if let id = retired[code], let point = pointsByID[id] { return .void(point) }
        return .unknown
    }

    public func point(id: String) -> Point? { pointsByID[id] }

    /// Every point of a grid, active or not, its typed place included.
    public func points(inGrid gridID: String) -> [Point] { pointsByID.values.filter { $0.gridID == gridID } }

    /// Every point, active or not.
    public var allPoints: Dictionary<String, Point>.Values { pointsByID.values }

    /// The community a point belongs to.
    public func community(of point: Point) -> CommunityInfo? { communities[point.communityID] }

    /// The address a responder's links start with: their community's, or for street staff and street departments the
    /// street's (else the first community's: with one community they are the same).
    public func baseURL(for responder: Responder) -> String? {
        if let id = responder.communityID, let community = communities[id] { return community.baseURL }
        return street?.baseURL ?? communityList.first?.baseURL
    }

    /// Every community, by id.
    public var communityList: [CommunityInfo] { communities.values.sorted { $0.id < $1.id } }

    static func load(version: Int64, _ tx: any SQLTransaction) throws -> CommunitySnapshot {
        let points = try tx.fetchAll(Point.self, "SELECT * FROM point")
        let retired = try tx.fetchAll("SELECT code, point_id FROM retired_code", []).map { row -> (String, String) in
            (try row.get("code"), try row.get("point_id"))
        }
        return CommunitySnapshot(
            version: version,
            communities: Dictionary(try AppDatabase.communities(tx).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            street: try tx.fetch(StreetRow.self, id: 1).map { StreetInfo(name: $0.name, baseURL: $0.baseURL) },
            pointsByID: Dictionary(points.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            pointsByCode: Dictionary(points.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first }),
            retired: Dictionary(retired, uniquingKeysWith: { first, _ in first }),
            roster: try AppDatabase.roster(tx))
    }
}

/// One per database value (shared by its copies): the newest catalogue this process loaded.
///
/// On PostgreSQL the version is bumped by any node's change (statement triggers, schema `p1`), so every node's cache
/// notices an import made on another at its next read.
final class SnapshotCache: Sendable {
    private let current = Mutex<CommunitySnapshot?>(nil)

    /// The catalogue as `tx` sees it: the cached one when its version is current, else loaded and kept.
    func snapshot(_ tx: any SQLTransaction) throws -> CommunitySnapshot {
        // Every page view asks this: on SQLite it stays GRDB's prepared statement with no row conversion (measured:
        // through the SQL interface GET /p lost ~10 %, BENCHMARKS.md).
        let version: Int64
        if let grdb = tx as? GRDBTransaction {
            version = try Int64.fetchOne(grdb.db, cachedSQL: "SELECT version FROM catalogue_version") ?? 0
        } else {
            version = try tx.value("SELECT version FROM catalogue_version", as: Int64.self) ?? 0
        }
        if let cached = current.withLock({ $0 }), cached.version == version { return cached }
        let fresh = try CommunitySnapshot.load(version: version, tx)
        current.withLock { kept in
            // Another reader may have loaded a newer one meanwhile; keep the newest.
            if kept.map({ $0.version < version }) ?? true { kept = fresh }
        }
        return fresh
    }

    func snapshot(_ db: Database) throws -> CommunitySnapshot {
        try snapshot(GRDBTransaction(db))
    }
}

extension Int64 {
    /// One value from a statement GRDB keeps prepared on the connection.
    static func fetchOne(_ db: Database, cachedSQL sql: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: sql))
    }
}

extension AppDatabase {
    /// The current catalogue (one integer read when nothing changed).
    public func snapshot() async throws -> CommunitySnapshot {
        try await read { tx in try snapshots.snapshot(tx) }
    }
}
