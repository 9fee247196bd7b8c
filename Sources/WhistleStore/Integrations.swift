import Foundation
import WhistleCore

/// A system that files and follows reports through Open311 (a city's 311 back-end, FixMyStreet, an app), with the
/// communities its key may file into. The key itself is shown once and kept only as its SHA-256, like API tokens.
public struct Integration: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var communities: [Int64]
    public var createdAt: Date
    public var revokedAt: Date?
    /// Reports filed with this integration's keys, the revoked ones included.
    public var filed: Int
}

extension AppDatabase {
    /// A key for the integration `name` (a new one, or a rotation: its previous key is revoked in the same write), scoped to
    /// `communities`; the caller shows it once. Returns the key and whether an earlier key was replaced.
    public func issueIntegrationKey(name: String, communities: [Int64], at now: Date = Date()) async throws -> (key: String, replaced: Bool) {
        let key = "o311_" + Secret.generate(bytes: 20)
        let replaced = try await write { tx -> Bool in
            guard !communities.isEmpty else { throw StoreError.notAllowed("an integration files into at least one community") }
            for id in communities where try tx.value("SELECT COUNT(*) FROM community WHERE id = ?", [id], as: Int.self) == 0 {
                throw StoreError.notFound("community \(id)")
            }
            let revoked = try tx.execute("UPDATE integration SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [now, name])
            let scope = "[" + Array(Set(communities)).sorted().map(String.init).joined(separator: ",") + "]"
            try tx.execute(
                "INSERT INTO integration (name, key_hash, communities, created_at) VALUES (?, ?, ?, ?)", [name, Secret.hash(key), scope, now])
            return revoked > 0
        }
        return (key, replaced)
    }

    /// Every integration key ever issued, newest first per name.
    public func integrations() async throws -> [Integration] {
        try await read { tx in
            try tx.fetchAll(
                """
                SELECT integration.*, (SELECT COUNT(*) FROM open311_request WHERE integration_id = integration.id) AS filed
                FROM integration ORDER BY name, id DESC
                """, []
            ).map(Self.integration)
        }
    }

    /// Revokes the active key of `name`; how many were revoked (0 or 1).
    @discardableResult
    public func revokeIntegration(name: String, at now: Date = Date()) async throws -> Int {
        try await write { tx in try tx.execute("UPDATE integration SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [now, name]) }
    }

    /// The active integration holding `key`, if any.
    public func integration(key: String) async throws -> Integration? {
        guard key.hasPrefix("o311_"), key.count <= 64 else { return nil }
        return try await read { tx in
            try tx.fetchOne("SELECT integration.*, 0 AS filed FROM integration WHERE key_hash = ? AND revoked_at IS NULL", [Secret.hash(key)])
                .map(Self.integration)
        }
    }

    /// The community ids of a stored scope, `[1,2]`.
    static func scopeIDs(_ scope: String) -> [Int64] {
        scope.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Int64($0) }
    }

    private static func integration(_ row: SQLRow) throws -> Integration {
        let scope = try row.get("communities", as: String.self)
        let ids = scopeIDs(scope)
        return Integration(
            id: try row.get("id", as: Int64.self), name: try row.get("name", as: String.self), communities: ids,
            createdAt: try row.get("created_at", as: Date.self), revokedAt: try row.optional("revoked_at", as: Date.self),
            filed: try row.get("filed", as: Int.self))
    }
}
