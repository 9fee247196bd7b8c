import Foundation

/// What a resident submitted after scanning a plaque (报事), and how it was handled.
public struct Report: Codable, Sendable, Equatable, Identifiable {
    enum CodingKeys: String, CodingKey {
        case id
        case number
        case pointID = "point_id"
        case category
        case description
        case photoIDs = "photo_ids"
        case phone
        case status
        case duplicateOf = "duplicate_of"
        case policyID = "policy_id"
        case createdAt = "created_at"
        case ackAt = "ack_at"
        case ackBy = "ack_by"
        case resolvedAt = "resolved_at"
        case resolvedBy = "resolved_by"
        case breachedAt = "breached_at"
        case rating
        case ratingNote = "rating_note"
        case statusKeyHash = "status_key_hash"
        case whistledTo = "whistled_to"
        case whistledAt = "whistled_at"
        case reportedInAt = "reported_in_at"
        case promiseDueAt = "promise_due_at"
        case communityID = "community_id"
        case foundBy = "found_by"
        case place
    }

    public var id: Int64?
    /// `20261125-0042`, read out to the resident.
    public var number: String
    public var pointID: String
    public var category: String
    public var description: String
    /// Server-made names of stored photos.
    public var photoIDs: [String]
    /// Optional call-back number; never shown unmasked to a group or written to a log.
    public var phone: String?
    public var status: ReportStatus
    public var duplicateOf: Int64?
    /// The escalation policy in force when the report came in.
    public var policyID: Int64?
    public var createdAt: Date
    public var ackAt: Date?
    public var ackBy: String?
    public var resolvedAt: Date?
    public var resolvedBy: String?
    public var breachedAt: Date?
    public var rating: Int?
    public var ratingNote: String?
    /// SHA-256 of the resident's status-page key; the key itself is never stored.
    public var statusKeyHash: String
    /// 吹哨: the department the report was handed to, when, and when it reported in.
    public var whistledTo: String?
    public var whistledAt: Date?
    public var reportedInAt: Date?
    /// When the promise breaks unless someone takes it: `createdAt + promise`, moved with the schedule when
    /// the wall clock is stepped, so that a resident gets the whole promise in real time.
    public var promiseDueAt: Date?
    /// The community of its point, copied at creation (a point never changes community), so that scopes, the feed
    /// and the SLA filter by community without a join.
    public var communityID: Int64
    /// The part-time grid worker who found the problem (随手报); nil for a resident's report. Named to responders,
    /// never with a phone.
    public var foundBy: String?
    /// Where on its grid, in the finder's words ("3号楼东侧"), for a report filed at a grid's place (`PointKind.grid`).
    public var place: String?

    public init(
        id: Int64? = nil, number: String, pointID: String, category: String, description: String, photoIDs: [String] = [],
        phone: String? = nil, status: ReportStatus = .open, duplicateOf: Int64? = nil, policyID: Int64? = nil, createdAt: Date,
        statusKeyHash: String, communityID: Int64 = 1
    ) {
        self.communityID = communityID
        self.id = id
        self.number = number
        self.pointID = pointID
        self.category = category
        self.description = description
        self.photoIDs = photoIDs
        self.phone = phone
        self.status = status
        self.duplicateOf = duplicateOf
        self.policyID = policyID
        self.createdAt = createdAt
        self.statusKeyHash = statusKeyHash
    }

    /// When the promise window closes.
    public func deadline(promise: Duration) -> Date {
        createdAt.addingTimeInterval(TimeInterval(promise.wholeSeconds))
    }
}

extension Report {
    /// When the promise breaks unless someone takes the report: the one calculation every reader uses (the dispatcher's
    /// breach, the API's `deadline_at`, the resident's "time left", the messages). `promiseDueAt` is set at creation and
    /// moved with the schedule when the wall clock is stepped; rows older than that column fall back to creation + promise.
    public func promiseDeadline(promiseSeconds: Int64) -> Date {
        promiseDueAt ?? createdAt.addingTimeInterval(TimeInterval(promiseSeconds))
    }
}

extension Report {
    /// The place as every page and message names it: the point's name, and the finder's words at a grid's place.
    public func placeName(pointName: String) -> String {
        place.map { "\(pointName) · \($0)" } ?? pointName
    }

    /// The resident's call-back number as `viewer` may see it: in full for whoever took the report (they call back),
    /// masked for everyone else. The API and the phone pages both ask this one rule.
    public func phone(shownTo viewer: Responder) -> String? {
        phone.map { ackBy == viewer.id ? $0 : Phone.mask($0) }
    }
}

