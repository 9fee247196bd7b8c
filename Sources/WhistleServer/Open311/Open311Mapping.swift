import Foundation
import WhistleCore
import WhistleStore

/// A report as an Open311 `request` (#18): GeoReport's two states, notes saying where it really is, the deadline the
/// community works to, and nothing personal (no phone, name, email, responder or finder; mobile numbers typed into a
/// description come back masked).
struct Open311Mapping {
    let community: CommunityInfo
    let language: Language
    /// `extensions=true`: Whistle's own status and the public timeline as `extended_attributes`.
    var extensions = false

    /// Event kinds that change a request's state or notes; a rating or a notification does not move `updated_datetime`.
    static let updating: Set<EventKind> = [.created, .acknowledged, .whistled, .reportedIn, .resolved, .reopened, .closed, .rejected]

    func node(_ record: ServiceRequestRecord) -> GeoNode {
        let view = record.view
        let report = view.report
        let original = report.status == .duplicate ? view.original : nil
        // A duplicate is handled with its original: its state, notes, deadline and agency are the original's.
        let handled = original ?? report
        let handledEvents = original == nil ? view.events : record.originalEvents
        let state = report.status.geoReportState(original: original?.status)
        var notes = Self.notes(handled, events: handledEvents, view: view, language: language)
        if let original { notes = language.text("o311_duplicate", original.number) + separator + notes }
        let updated = (view.events + (original == nil ? [] : record.originalEvents)).filter { Self.updating.contains($0.kind) }.map(\.at).max()
        let point = view.point
        var fields: [(String, GeoNode)] = [
            ("service_request_id", .text(report.number)),
            ("status", .text(state.rawValue)),
            ("status_notes", .text(notes)),
            ("service_name", .text(community.categories.first { $0.id == report.category }?.label ?? report.category)),
            ("service_code", .text(report.category)),
            ("description", .text(Self.masked(report.description))),
            ("agency_responsible", .text(handled.whistledTo.flatMap { view.actors[$0]?.name } ?? community.name)),
            ("service_notice", .text(notice(report: report, original: original, policy: view.policy))),
            ("requested_datetime", .text(Open311Date.format(report.createdAt))),
            ("updated_datetime", .text(Open311Date.format(updated ?? report.createdAt))),
            ("expected_datetime", .text(Self.expected(handled, state: state, policy: view.policy).map(Open311Date.format))),
            ("address", .text(report.placeName(pointName: point.name) + (point.address.map { " · " + $0 } ?? ""))),
            ("address_id", .text(point.id)),
            ("zipcode", .text(nil)),
            ("lat", .number(point.latitude)),
            ("long", .number(point.longitude)),
            ("media_url", .text(record.mediaURL)),
        ]
        if extensions {
            let timeline = PublicTimeline.items(view, language: language).map { item -> GeoNode in
                var event: [(String, GeoNode)] = [
                    ("at", .text(Open311Date.format(item.at))), ("kind", .text(item.kind.rawValue)), ("text", .text(item.text)),
                ]
                if let note = item.note { event.append(("note", .text(Self.masked(note)))) }
                return .object(event)
            }
            fields.append(
                (
                    "extended_attributes",
                    .object([
                        ("whistle_status", .text(report.status.rawValue)), ("number", .text(report.number)),
                        ("breached", .bool(report.breachedAt != nil)), ("timeline", .list(item: "event", timeline)),
                    ])
                ))
        }
        return .object(fields)
    }

    /// The answer's `service_notice`: the community's promise, or for a linked report the one it joined.
    func notice(report: Report, original: Report?, policy: EscalationPolicy) -> String {
        if let original { return language.text("o311_duplicate", original.number) }
        return language.text("o311_notice", community.name, String(policy.promiseSeconds / 60))
    }

    private var separator: String { language == .en ? "; " : "；" }

    /// Where the report really stands, in the residents' words: roles and department names, never a person.
    static func notes(_ report: Report, events: [Event], view: ReportView, language: Language) -> String {
        func department(_ id: String?) -> String { id.flatMap { view.actors[$0]?.name } ?? language.roleLabel(.department) }
        switch report.status {
        case .open, .duplicate:
            return language.text("o311_open", String(view.policy.promiseSeconds / 60))
        case .acknowledged:
            let role = report.ackBy.flatMap { view.actors[$0]?.role } ?? .gridWorker
            return language.text("acknowledged", role == .department ? department(report.ackBy) : language.roleLabel(role))
        case .whistled:
            let whistled = language.text("whistled", department(report.whistledTo))
            guard report.reportedInAt != nil else { return whistled }
            return whistled + (language == .en ? "; " : "；") + language.text("reported_in", department(report.whistledTo))
        case .resolved, .closed:
            let note = events.last { $0.kind == .resolved }?.detail["note"].map(masked) ?? ""
            return note.isEmpty ? language.text("resolved") : language.text("o311_resolved", note)
        case .rejected:
            return language.text("o311_rejected")
        }
    }

    /// The deadline the community works to now: to be taken, to be reported in by the department, or to be fixed.
    static func expected(_ report: Report, state: GeoReportState, policy: EscalationPolicy) -> Date? {
        guard state == .open else { return nil }
        switch report.status {
        case .open, .duplicate: return NotificationWindow.of(stage: .promise, report: report, policy: policy)?.deadline
        case .whistled where report.reportedInAt == nil: return NotificationWindow.of(stage: .whistle, report: report, policy: policy)?.deadline
        default: return NotificationWindow.of(stage: .resolve, report: report, policy: policy)?.deadline
        }
    }

    /// Mobile numbers a resident typed into free text, masked as everywhere outside the taker's view.
    static func masked(_ text: String) -> String {
        text.replacing(/[0-9]+/) { match in
            let digits = String(match.output)
            return digits.wholeMatch(of: /1[3-9][0-9]{9}/) != nil ? Phone.mask(digits) : digits
        }
    }
}
