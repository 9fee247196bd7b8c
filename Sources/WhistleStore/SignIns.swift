import Foundation
import WhistleCore

/// The app a phone session was started in, read from the User-Agent as a label for the office (`responders sessions`);
/// the header itself is never stored.
public enum PhoneApp: String, Sendable, CaseIterable {
    case wecom, wechat, dingtalk, feishu, browser

    public init(userAgent: String?) {
        let agent = userAgent ?? ""
        // WeCom's agent also says MicroMessenger, so it is asked first.
        if agent.contains("wxwork") {
            self = .wecom
        } else if agent.contains("MicroMessenger") {
            self = .wechat
        } else if agent.contains("DingTalk") {
            self = .dingtalk
        } else if agent.contains("Lark") || agent.contains("Feishu") {
            self = .feishu
        } else {
            self = .browser
        }
    }
}

/// What a sign-in link is, for the page that shows it (reading it uses nothing up).
public enum LoginLinkState: Sendable, Equatable {
    case valid(Responder, expiresAt: Date)
    case used
    case expired
    case unknown
}

/// A live phone session: whose it is, and when it was last renewed.
public struct PhoneSessionRow: Sendable, Equatable {
    public var id: Int64
    public var responder: Responder
    public var lastSeenAt: Date
}

/// A phone session as the office lists it (never its secret).
public struct PhoneSessionInfo: Sendable, Equatable {
    public var id: Int64
    public var responderID: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    public var app: PhoneApp
}

/// What `revokeSignIns` ended.
public struct SignInsRevoked: Sendable, Equatable {
    public var sessions: Int
    public var links: Int

    public init(sessions: Int, links: Int) {
        self.sessions = sessions
        self.links = links
    }
}

extension AppDatabase {
    /// A session lives this long after it was last used; each day's use renews it.
    public static let sessionLifetime: TimeInterval = 180 * 86400
    /// A session is renewed (its expiry written again) at most this often: one write a day per phone, not per page.
    public static let sessionRenewEvery: TimeInterval = 86400
    /// Used, expired and ended sign-ins are kept this long for the office's questions, then deleted.
    public static let signInRetention: TimeInterval = 30 * 86400

    /// A personal sign-in link's secret for `responderID`, valid for `lifetime`; the caller shows it once. Any earlier
    /// unused link of theirs stops working: the newest link printed is the only one out there.
    public func issueLoginLink(responderID: String, lifetime: TimeInterval, at now: Date) async throws -> String {
        let token = Secret.generate(bytes: 32)
        try await write { tx in
            guard let responder = try tx.fetch(Responder.self, id: responderID) else { throw StoreError.notFound("responder '\(responderID)'") }
            guard responder.active else { throw StoreError.notAllowed("responder '\(responderID)' is deactivated") }
            try tx.execute(
                "UPDATE login_link SET revoked_at = ? WHERE responder_id = ? AND used_at IS NULL AND revoked_at IS NULL", [now, responderID])
            try tx.execute(
                "INSERT INTO login_link (responder_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [responderID, Secret.hash(token), now, now.addingTimeInterval(lifetime)])
        }
        return token
    }

    /// What the link `token` is now; reads only (a chat app's link preview must not use a link up).
    public func loginLink(token: String, at now: Date) async throws -> LoginLinkState {
        try await read { tx in
            guard let row = try tx.fetchOne(
                """
                SELECT login_link.*, responder.active AS active FROM login_link JOIN responder ON responder.id = login_link.responder_id
                WHERE login_link.token_hash = ?
                """, [Secret.hash(token)])
            else { return .unknown }
            if try row.optional("used_at", as: Date.self) != nil { return .used }
            let expires: Date = try row.get("expires_at")
            guard try row.optional("revoked_at", as: Date.self) == nil, expires > now, try row.get("active", as: Bool.self) else { return .expired }
            guard let responder = try tx.fetch(Responder.self, id: try row.get("responder_id", as: String.self)) else { return .unknown }
            return .valid(responder, expiresAt: expires)
        }
    }

    /// Uses the link up and starts a session in one write; returns the session's secret for the cookie. `replacing`
    /// is the cookie this browser already held (another responder's, or an old one of the same): it ends, so one
    /// phone app holds one session. Refused (`notAllowed`) when the link was used, voided or expired, or its
    /// responder is no longer active; `notFound` when there is no such link. The link's row is locked while it is
    /// used up, so of two nodes given the same link at once only one starts a session.
    public func redeemLoginLink(token: String, app: PhoneApp, replacing: String? = nil, at now: Date) async throws -> String {
        let secret = Secret.generate(bytes: 32)
        try await write { tx in
            let lock = tx.dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try tx.fetchOne("SELECT * FROM login_link WHERE token_hash = ?\(lock)", [Secret.hash(token)]) else {
                throw StoreError.notFound("sign-in link")
            }
            let id: Int64 = try row.get("id")
            let responderID: String = try row.get("responder_id")
            guard try row.optional("used_at", as: Date.self) == nil else { throw StoreError.notAllowed("this sign-in link was already used") }
            guard try row.optional("revoked_at", as: Date.self) == nil, try row.get("expires_at", as: Date.self) > now else {
                throw StoreError.notAllowed("this sign-in link has expired")
            }
            guard let responder = try tx.fetch(Responder.self, id: responderID), responder.active else {
                throw StoreError.notAllowed("responder '\(responderID)' is deactivated")
            }
            try tx.execute("UPDATE login_link SET used_at = ? WHERE id = ?", [now, id])
            if let replacing {
                try tx.execute(
                    "UPDATE phone_session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", [now, Secret.hash(replacing)])
            }
            try tx.execute(
                """
                INSERT INTO phone_session (responder_id, token_hash, login_link_id, created_at, last_seen_at, expires_at, app)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [responderID, Secret.hash(secret), id, now, now, now.addingTimeInterval(Self.sessionLifetime), app.rawValue])
        }
        return secret
    }

    /// The live session behind a cookie: not revoked, not expired, its responder still active (deactivating a
    /// responder on import ends their phones at their next page, as it does their tokens).
    public func session(cookie: String, at now: Date) async throws -> PhoneSessionRow? {
        try await read { tx in
            guard let row = try tx.fetchOne(
                """
                SELECT responder.*, phone_session.id AS session_id, phone_session.last_seen_at AS last_seen
                FROM phone_session JOIN responder ON responder.id = phone_session.responder_id
                WHERE phone_session.token_hash = ? AND phone_session.revoked_at IS NULL AND phone_session.expires_at > ?
                  AND responder.active
                """, [Secret.hash(cookie), now])
            else { return nil }
            return PhoneSessionRow(
                id: try row.get("session_id"), responder: try RowDecoding.decode(Responder.self, from: row), lastSeenAt: try row.get("last_seen"))
        }
    }

    /// Renews a session in use: seen now, expiring `sessionLifetime` from now.
    public func touchSession(id: Int64, at now: Date) async throws {
        try await write { tx in
            try tx.execute(
                "UPDATE phone_session SET last_seen_at = ?, expires_at = ? WHERE id = ? AND revoked_at IS NULL",
                [now, now.addingTimeInterval(Self.sessionLifetime), id])
        }
    }

    /// Ends one session (signing out on the phone).
    public func endSession(id: Int64, at now: Date) async throws {
        try await write { tx in
            try tx.execute("UPDATE phone_session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, id])
        }
    }

    /// Ends a responder's phone sessions (or the one with `sessionID`) and voids their unused sign-in links (unless
    /// only one session is named).
    @discardableResult
    public func revokeSignIns(responderID: String, sessionID: Int64? = nil, at now: Date) async throws -> SignInsRevoked {
        try await write { tx in
            if let sessionID {
                let ended = try tx.execute(
                    "UPDATE phone_session SET revoked_at = ? WHERE id = ? AND responder_id = ? AND revoked_at IS NULL", [now, sessionID, responderID])
                return SignInsRevoked(sessions: ended, links: 0)
            }
            let sessions = try tx.execute(
                "UPDATE phone_session SET revoked_at = ? WHERE responder_id = ? AND revoked_at IS NULL", [now, responderID])
            let links = try tx.execute(
                "UPDATE login_link SET revoked_at = ? WHERE responder_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
                [now, responderID, now])
            return SignInsRevoked(sessions: sessions, links: links)
        }
    }

    /// A responder's phone sessions, newest first.
    public func sessions(responderID: String) async throws -> [PhoneSessionInfo] {
        try await read { tx in
            try tx.fetchAll("SELECT * FROM phone_session WHERE responder_id = ? ORDER BY id DESC", [responderID]).map {
                PhoneSessionInfo(
                    id: try $0.get("id"), responderID: try $0.get("responder_id"), createdAt: try $0.get("created_at"),
                    lastSeenAt: try $0.get("last_seen_at"), expiresAt: try $0.get("expires_at"), revokedAt: try $0.optional("revoked_at"),
                    app: PhoneApp(rawValue: try $0.get("app")) ?? .browser)
            }
        }
    }

    /// Deletes sessions and links that ended (used, voided, revoked or expired) before `cutoff`; returns how many rows.
    @discardableResult
    public func purgeSignIns(before cutoff: Date) async throws -> Int {
        try await write { tx in
            let sessions = try tx.execute(
                "DELETE FROM phone_session WHERE COALESCE(revoked_at, expires_at) < ? OR expires_at < ?", [cutoff, cutoff])
            // A link still named by a session stays (the session's row points at it).
            let links = try tx.execute(
                """
                DELETE FROM login_link WHERE COALESCE(used_at, revoked_at, expires_at) < ? AND expires_at < ?
                  AND id NOT IN (SELECT login_link_id FROM phone_session)
                """, [cutoff, cutoff])
            return sessions + links
        }
    }
}
