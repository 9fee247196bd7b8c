import Foundation
import HTTPTypes
import Hummingbird
import WhistleCore
import WhistleStore

/// The resident's status page: where the report stands, who took it (by role), and a rating once it is fixed.
struct StatusController: Sendable {
    let database: AppDatabase
    let pages: Pages
    let clock: any WallClock

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get(":number", use: show)
        group.post(":number/rating", use: rate)
    }

    struct RatingFields: Decodable {
        var k: String?
        var rating: String?
        var note: String?
    }

    @Sendable func show(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let key = request.uri.queryParameters.get("k") ?? ""
        guard let (view, community) = try await view(context, key: key) else { return notFound(language) }
        return page(view, community: community, key: key, language: language, ratingError: nil, status: .ok)
    }

    @Sendable func rate(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        // A rating is a number and a short note: a few kilobytes at most, refused before the key is even looked at.
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded"),
            let body = try? await request.body.collect(upTo: ReportLimits.maxRatingBody),
            let fields = try? URLEncodedFormDecoder().decode(RatingFields.self, from: String(buffer: body))
        else {
            return pages.message(language, title: "bad_request_title", body: "bad_request_body", status: .badRequest)
        }
        let key = fields.k ?? ""
        guard let (view, community) = try await view(context, key: key) else { return notFound(language) }
        guard let rating = fields.rating.flatMap({ Int($0) }), (1...10).contains(rating) else {
            return page(view, community: community, key: key, language: language, ratingError: "error_rating", status: .unprocessableContent)
        }
        let note = fields.note.flatMap(ReportFields.clean).map { TextLimit.prefix($0, characters: ReportLimits.maxRatingNote) }
        do {
            try await database.rate(
                number: view.report.number, keyHash: Secret.hash(key), rating: rating, note: note?.isEmpty == true ? nil : note,
                at: clock.now())
        } catch StoreError.notAllowed {
            // Rated already, or not resolved yet: the page shows which.
            return page(view, community: community, key: key, language: language, ratingError: nil, status: .conflict)
        }
        var location = "/t/\(view.report.number)?k=\(key)"
        if language == .en { location += "&lang=en" }
        return Response(status: .seeOther, headers: [.location: location])
    }

    private func view(_ context: WhistleRequestContext, key: String) async throws -> (ReportView, CommunityInfo)? {
        let number = context.parameters.get("number") ?? ""
        guard ReportNumber.isValid(number), !key.isEmpty, key.count <= 64,
            let view = try await database.reportView(number: number, keyHash: Secret.hash(key)),
            let community = try await database.community(id: view.report.communityID)
        else { return nil }
        return (view, community)
    }

    private func notFound(_ language: Language) -> Response {
        pages.message(language, title: "status_not_found_title", body: "status_not_found_body", status: .notFound)
    }

    private func page(_ view: ReportView, community: CommunityInfo, key: String, language: Language, ratingError: String?, status: HTTPResponse.Status) -> Response {
        let report = view.report
        let now = clock.now()
        var page = language.pageContext
        page["number"] = report.number
        page["key"] = key
        page["pointName"] = view.point.name
        page["kind"] = language.kindLabel(view.point.kind)
        page["category"] = community.categories.first { $0.id == report.category }?.label ?? report.category
        page["community"] = community.name
        page["description"] = report.description
        page["timeline"] = timeline(view, language: language)
        page["refresh"] = report.status.isActive
        page["promise"] = promise(view, language: language, now: now)
        if let original = view.original, report.status == .duplicate {
            page["duplicate"] = language.text("duplicate", original.number)
        }
        let resolved = report.status == .resolved || report.status == .closed
        page["canRate"] = resolved && report.rating == nil
        page["rated"] = report.rating != nil
        page["scores"] = Array(1...10)
        if let ratingError { page["error_rating"] = language.text(ratingError) }
        return pages.render("status", page, status: status)
    }

    /// What the resident may see of each step (`PublicTimeline`), as the page's rows.
    private func timeline(_ view: ReportView, language: Language) -> [[String: Any]] {
        PublicTimeline.items(view, language: language).map { item in
            var row: [String: Any] = ["time": item.time, "text": item.text]
            if item.kind == .resolved { row["note"] = item.note ?? "" }
            return row
        }
    }

    private func promise(_ view: ReportView, language: Language, now: Date) -> String? {
        let report = view.report
        guard report.status != .duplicate, report.status != .rejected else { return nil }
        let promise = TimeInterval(view.policy.promiseSeconds)
        if let ack = report.ackAt {
            let took = ack.timeIntervalSince(report.createdAt)
            return language.text(took <= promise ? "promise_kept" : "promise_broken", duration(took, language))
        }
        let left = report.promiseDeadline(promiseSeconds: view.policy.promiseSeconds).timeIntervalSince(now)
        if left > 0 { return language.text("promise_left", language.text("minutes", String(Int((left / 60).rounded(.up))))) }
        return language.text("promise_overdue", language.text("minutes", String(Int((-left / 60).rounded(.up)))))
    }

    private func duration(_ seconds: TimeInterval, _ language: Language) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return language.text("seconds", String(total)) }
        if total % 60 == 0 { return language.text("minutes", String(total / 60)) }
        return language.text("minutes_seconds", String(total / 60), String(total % 60))
    }
}
