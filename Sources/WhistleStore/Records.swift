import Foundation
import GRDB
import WhistleCore

// The domain types are the records: their snake_case coding keys are the column names.

extension Grid: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "grid"
}

extension Responder: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "responder"
}

extension Point: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "point"
    public enum Columns {
        public static let code = Column("code")
        public static let active = Column("active")
    }
}

extension DutyShift: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "duty"
}

extension Report: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "report"
    public enum Columns {
        public static let number = Column("number")
        public static let status = Column("status")
        public static let createdAt = Column("created_at")
        public static let pointID = Column("point_id")
        public static let category = Column("category")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One entry of a report's timeline, or of a point's audit trail.
public struct Event: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var reportID: Int64?
    public var pointID: String?
    public var at: Date
    /// `created`, `notified`, `acknowledged`, `whistled`, `resolved`, `rated`, `breached`, `verified`, …
    public var kind: EventKind
    /// A responder id, `resident`, or `system`.
    public var actor: String?
    public var detail: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, at, kind, actor, detail
        case reportID = "report_id"
        case pointID = "point_id"
    }

    public init(reportID: Int64?, pointID: String? = nil, at: Date, kind: EventKind, actor: String?, detail: [String: String] = [:]) {
        self.reportID = reportID
        self.pointID = pointID
        self.at = at
        self.kind = kind
        self.actor = actor
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A notification to deliver: one responder, one channel, one escalation step.
public struct OutboxEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"
    public var id: Int64?
    /// Nil for a digest, which lists many reports.
    public var reportID: Int64?
    public var responderID: String
    /// Index into the responder's channels when planned (part of the idempotency key).
    public var channel: Int
    public var channelKind: String
    /// The channel's identity (kind and a hash of its address): a re-import that reorders or replaces a responder's
    /// channels cannot send a pending step down another channel.
    public var channelRef: String
    public var event: NotifyEvent
    public var step: Int
    public var stage: OutboxStage
    /// Lower goes first when more is due than can be sent at once (see `DeliveryPriority`).
    public var priority: Int
    public var dueAt: Date
    public var attempts: Int
    /// When the row may next be claimed. A claim moves it a lease ahead, so a claimer that dies mid-delivery
    /// loses the row when the lease runs out.
    public var nextTryAt: Date
    /// Who claimed the row last (a dispatcher's random id); only the holder records a failure.
    public var claimedBy: String?
    public var deliveredAt: Date?
    public var cancelledAt: Date?
    public var failedAt: Date?
    public var lastError: String?
    /// Sent as `X-Whistle-Delivery`, the same on every retry.
    public var idemKey: String

    enum CodingKeys: String, CodingKey {
        case id, channel, event, step, attempts, stage, priority
        case reportID = "report_id"
        case responderID = "responder_id"
        case channelKind = "channel_kind"
        case channelRef = "channel_ref"
        case dueAt = "due_at"
        case nextTryAt = "next_try_at"
        case claimedBy = "claimed_by"
        case deliveredAt = "delivered_at"
        case cancelledAt = "cancelled_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
        case idemKey = "idem_key"
    }

    public init(
        reportID: Int64?, responderID: String, channel: Int, channelKind: String, channelRef: String, event: NotifyEvent, step: Int,
        dueAt: Date, idemKey: String, stage: OutboxStage = .promise, priority: Int? = nil
    ) {
        self.stage = stage
        self.reportID = reportID
        self.responderID = responderID
        self.channel = channel
        self.channelKind = channelKind
        self.channelRef = channelRef
        self.event = event
        self.step = step
        self.priority = priority ?? DeliveryPriority.of(event: event, stage: stage, repeat: false)
        self.dueAt = dueAt
        self.attempts = 0
        self.nextTryAt = dueAt
        self.idemKey = idemKey
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A community's name, address and categories: one row per community of the street.
struct CommunityRow: Codable, FetchableRecord, PersistableRecord, Equatable {
    static let databaseTableName = "community"
    var id: Int64
    var name: String
    /// Nil: the street's.
    var baseURL: String?
    var categories: [Category]
    var policyID: Int64
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, categories
        case baseURL = "base_url"
        case policyID = "policy_id"
        case updatedAt = "updated_at"
    }
}

/// The street office: its name and the QR address of communities that give none. At most one row.
struct StreetRow: Codable, FetchableRecord, PersistableRecord, Equatable {
    static let databaseTableName = "street"
    var id: Int64 = 1
    var name: String
    var baseURL: String?
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name
        case baseURL = "base_url"
        case updatedAt = "updated_at"
    }
}

// The same records over the store's SQL interface (docs/plans/15-postgres.md §3.2); the GRDB conformances above go
// once every operation speaks `SQLTransaction`.
extension Grid: SQLRecord { package static var table: String { "grid" } }
extension Responder: SQLRecord { package static var table: String { "responder" } }
extension Point: SQLRecord { package static var table: String { "point" } }
extension DutyShift: SQLRecord { package static var table: String { "duty" } }
extension Report: SQLRecord { package static var table: String { "report" } }
extension Event: SQLRecord { package static var table: String { "event" } }
extension OutboxEntry: SQLRecord { package static var table: String { "outbox" } }
extension CommunityRow: SQLRecord { static var table: String { "community" } }
extension StreetRow: SQLRecord { static var table: String { "street" } }
