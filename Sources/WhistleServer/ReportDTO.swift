import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// A report as the responder API shows it. The resident's phone is masked except for whoever took the report.
struct ReportDTO: ResponseEncodable {
    struct PointDTO: Codable {
        var id, name, kind, grid: String
        var address: String?
    }

    struct EventDTO: Codable {
        var at: Date
        var kind: String
        var actor: String?
        var detail: [String: String]
    }

    var number: String
    var status: String
    var point: PointDTO
    var category: String
    var category_label: String
    var description: String
    var phone: String?
    var created_at: Date
    var deadline_at: Date
    /// Seconds left in the promise (negative once past it); nil once acknowledged.
    var seconds_left: Int?
    var breached: Bool
    var ack_at: Date?
    var ack_by: String?
    var resolved_at: Date?
    var resolved_by: String?
    var whistled_to: String?
    var reported_in_at: Date?
    var duplicate_of: String?
    var rating: Int?
    var photos: [String]?
    var timeline: [EventDTO]?

    init(summary report: Report, point: Point, promiseSeconds: Int64, categories: [WhistleCore.Category], viewer: Responder, now: Date) {
        let deadline = report.createdAt.addingTimeInterval(TimeInterval(promiseSeconds))
        number = report.number
        status = report.status.rawValue
        self.point = PointDTO(id: point.id, name: point.name, kind: point.kind.rawValue, grid: point.gridID, address: point.address)
        category = report.category
        category_label = categories.first { $0.id == report.category }?.label ?? report.category
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
