import Foundation
import GRDB
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
        try await writer.write { db in
            guard let responder = try Responder.fetchOne(db, key: responderID) else { throw StoreError.notFound("responder '\(responderID)'") }
            guard responder.active else { throw StoreError.notAllowed("responder '\(responderID)' is deactivated") }
            try db.execute(
                sql: "INSERT INTO api_token (responder_id, token_hash, created_at) VALUES (?, ?, ?)",
                arguments: [responderID, Secret.hash(token), now])
        }
        return token
    }

    /// Revokes one token by its id, or every token of a responder; returns how many were revoked.
    @discardableResult
    public func revokeTokens(responderID: String, tokenID: Int64? = nil, at now: Date = Date()) async throws -> Int {
        try await writer.write { db in
            if let tokenID {
                try db.execute(
                    sql: "UPDATE api_token SET revoked_at = ? WHERE id = ? AND responder_id = ? AND revoked_at IS NULL",
                    arguments: [now, tokenID, responderID])
            } else {
                try db.execute(
                    sql: "UPDATE api_token SET revoked_at = ? WHERE responder_id = ? AND revoked_at IS NULL", arguments: [now, responderID])
            }
            return db.changesCount
        }
    }

    public func tokens(responderID: String) async throws -> [TokenInfo] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token WHERE responder_id = ? ORDER BY id", arguments: [responderID]).map {
                TokenInfo(id: $0["id"], responderID: $0["responder_id"], createdAt: $0["created_at"], revokedAt: $0["revoked_at"])
            }
        }
    }

    /// The active responder holding this unrevoked token, if any.
    public func responder(token: String) async throws -> Responder? {
        try await writer.read { db in
            try Responder.fetchOne(
                db,
                sql: """
                    SELECT responder.* FROM api_token JOIN responder ON responder.id = api_token.responder_id
                    WHERE api_token.token_hash = ? AND api_token.revoked_at IS NULL AND responder.active
                    """, arguments: [Secret.hash(token)])
        }
    }
}
