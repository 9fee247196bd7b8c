import Foundation
import Hummingbird
import WhistleAPI
import WhistleCore
import WhistleStore

extension ReportDTO: ResponseEncodable {}
extension MeDTO: ResponseEncodable {}
extension DepartmentDTO: ResponseEncodable {}
extension PlaqueVerdict: ResponseEncodable {}
extension SLAReport: ResponseEncodable {}

extension ReportDTO {
    /// The report as `viewer` may see it: the phone masked unless they took it; the promise as the dispatcher keeps it.
    init(
        summary report: Report, point: Point, promiseSeconds: Int64, community info: CommunityInfo?, viewer: Responder, now: Date,
        finder: Responder? = nil
    ) {
        let deadline = report.promiseDeadline(promiseSeconds: promiseSeconds)
        self.init(
            number: report.number, status: report.status.rawValue,
            point: PointDTO(id: point.id, name: point.name, kind: point.kind.rawValue, grid: point.gridID, address: point.address),
            community: CommunityDTO(id: report.communityID, name: info?.name ?? ""), category: report.category,
            category_label: info?.categories.first { $0.id == report.category }?.label ?? report.category,
            description: report.description,
            // Whoever took it may call back; everyone else sees a mask.
            phone: report.phone(shownTo: viewer), created_at: report.createdAt,
            deadline_at: deadline,
            seconds_left: report.ackAt == nil && report.status.isActive ? Int(deadline.timeIntervalSince(now).rounded(.down)) : nil,
            breached: report.breachedAt != nil)
        ack_at = report.ackAt
        ack_by = report.ackBy
        resolved_at = report.resolvedAt
        resolved_by = report.resolvedBy
        whistled_to = report.whistledTo
        reported_in_at = report.reportedInAt
        rating = report.rating
        place = report.place
        found_by = finder.map { FinderDTO(id: $0.id, name: $0.name, employer: $0.employer) }
    }
}
