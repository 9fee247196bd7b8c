import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// A report as the responder API shows it, and as the CLI reads it back. The resident's phone is masked except
/// for whoever took the report.
public struct ReportDTO: ResponseEncodable, Decodable, Sendable {
    public struct PointDTO: Codable, Sendable {
        public var id, name, kind, grid: String
        public var address: String?
    }

    /// The community a report came from: a department or the street serves several.
    public struct CommunityDTO: Codable, Sendable, Equatable {
        public var id: Int64
        public var name: String
    }

    public struct EventDTO: Codable, Sendable {
        public var at: Date
        public var kind: String
        public var actor: String?
        public var detail: [String: String]
    }

    public var number: String
    public var status: String
    public var point: PointDTO
    public var community: CommunityDTO
    public var category: String
    public var category_label: String
    public var description: String
    public var phone: String?
    public var created_at: Date
    public var deadline_at: Date
    /// Seconds left in the promise (negative once past it); nil once acknowledged.
    public var seconds_left: Int?
    public var breached: Bool
    public var ack_at: Date?
    public var ack_by: String?
    public var resolved_at: Date?
    public var resolved_by: String?
    public var whistled_to: String?
    public var reported_in_at: Date?
    public var duplicate_of: String?
    public var rating: Int?
    public var photos: [String]?
    public var timeline: [EventDTO]?

    init(summary report: Report, point: Point, promiseSeconds: Int64, community info: CommunityInfo?, viewer: Responder, now: Date) {
        let deadline = report.promiseDeadline(promiseSeconds: promiseSeconds)
        number = report.number
        status = report.status.rawValue
        self.point = PointDTO(id: point.id, name: point.name, kind: point.kind.rawValue, grid: point.gridID, address: point.address)
        community = CommunityDTO(id: report.communityID, name: info?.name ?? "")
        category = report.category
        category_label = info?.categories.first { $0.id == report.category }?.label ?? report.category
        description = report.description
        // Whoever took it may call back; everyone else sees a mask.
        phone = report.phone.map { report.ackBy == viewer.id ? $0 : Phone.mask($0) }
        created_at = report.createdAt
        deadline_at = deadline
        seconds_left = report.ackAt == nil && report.status.isActive ? Int(deadline.timeIntervalSince(now).rounded(.down)) : nil
        breached = report.breachedAt != nil
        ack_at = report.ackAt
        ack_by = report.ackBy
        resolved_at = report.resolvedAt
        resolved_by = report.resolvedBy
        whistled_to = report.whistledTo
        reported_in_at = report.reportedInAt
        rating = report.rating
    }
}

extension PlaqueVerdict: ResponseEncodable {}

extension SLAReport: ResponseEncodable {}
