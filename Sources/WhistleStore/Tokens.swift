import Foundation
import WhistleCore

/// An API token as listed (never the token itself: only its hash is kept).
public struct TokenInfo: Sendable, Equatable {
    public var id: Int64
    public var responderID: String
    public var createdAt: Date
    public var revokedAt: Date?
}

extension AppDatabase {
    /// Issues a new bearer token for a responder; the caller shows it once. A responder may hold several.
    public func issueToken(responderID: String, at now: Date = Date()) async throws -> String {
        let token = "wh_" + Secret.generate(bytes: 20)
        try await write { tx in
            guard let responder = try tx.fetch(Responder.self, id: responderID) else { throw StoreError.notFound("responder '\(responderID)'") }
            guard responder.active else { throw StoreError.notAllowed("responder '\(responderID)' is deactivated") }
            try tx.execute(
                "INSERT INTO api_token (responder_id, token_hash, created_at) VALUES (?, ?, ?)", [responderID, Secret.hash(token), now])
        }
        return token
    }

    /// Revokes one token by its id, or every token of a responder; returns how many were revoked.
    @discardableResult
    public func revokeTokens(responderID: String, tokenID: Int64? = nil, at now: Date = Date()) async throws -> Int {
        try await write { tx in
            if let tokenID {
                return try tx.execute(
                    "UPDATE api_token SET revoked_at = ? WHERE id = ? AND responder_id = ? AND revoked_at IS NULL", [now, tokenID, responderID])
            }
            return try tx.execute("UPDATE api_token SET revoked_at = ? WHERE responder_id = ? AND revoked_at IS NULL", [now, responderID])
        }
    }

    public func tokens(responderID: String) async throws -> [TokenInfo] {
        try await read { tx in
            try tx.fetchAll("SELECT * FROM api_token WHERE responder_id = ? ORDER BY id", [responderID]).map {
                TokenInfo(
                    id: try $0.get("id"), responderID: try $0.get("responder_id"), createdAt: try $0.get("created_at"),
                    revokedAt: try $0.optional("revoked_at"))
            }
        }
    }

    /// The active responder holding this unrevoked token, if any.
    public func responder(token: String) async throws -> Responder? {
        try await read { tx in
            try tx.fetchOne(
                Responder.self,
                """
                SELECT responder.* FROM api_token JOIN responder ON responder.id = api_token.responder_id
                WHERE api_token.token_hash = ? AND api_token.revoked_at IS NULL AND responder.active
                """, [Secret.hash(token)])
        }
    }
}
