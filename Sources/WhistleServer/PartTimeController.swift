import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleCore
import WhistleStore

/// A part-time grid worker's pages (兼职网格员, "随手拍、随手报"), under `/r` beside the responders' and behind the same
/// sign-in: the form to report what they saw anywhere on their grids, at a point of the grid or at a typed place, and
/// their own list. Every other role gets "not found" here; a part-time worker gets no buttons anywhere (the store
/// refuses them every action).
struct PartTimeController: Sendable {
    let database: AppDatabase
    let pages: Pages
    let clock: any WallClock
    let tokens: FormTokens
    let filing: ReportFiling
    /// The point's burst limit, shared with residents': a flood at one place is linked, not paged again.
    let pointLimiter: RateLimiter
    /// Reports per worker: a lost phone or a mistake should not page a grid a hundred times.
    let workerLimiter: RateLimiter
    let logger: Logger

    /// The list a part-time worker sees at `/r`.
    static let listLimit = 100

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get("new", use: showForm)
        group.post("new", use: submit)
    }

    // MARK: The form

    @Sendable func showForm(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        guard let session = context.phone, session.responder.role == .partTime else { return notFound(language) }
        let me = session.responder
        let snapshot = try await database.snapshot()
        let grids = Self.grids(of: me, in: snapshot)
        let chosen = request.uri.queryParameters.get("grid").map { String($0) } ?? (grids.count == 1 ? grids[0].id : nil)
        guard let chosen else {
            // Several grids: which one first (a link each, no JavaScript).
            var page = language.pageContext
            page["who"] = who(me, language)
            page["q"] = PhoneController.query(language)
            page["grids"] = grids.map { ["id": $0.id, "name": $0.name] }
            page["choose"] = true
            return pages.render("r_new", page)
        }
        guard let grid = grids.first(where: { $0.id == chosen }) else { return notFound(language) }
        return form(grid: grid, me: session, snapshot: snapshot, language: language, fields: nil, errors: [:], status: .ok)
    }

    @Sendable func submit(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        var request = request
        let language = Language(request: request)
        guard let session = context.phone, session.responder.role == .partTime else { return notFound(language) }
        let me = session.responder
        let snapshot = try await database.snapshot()
        let gridID = request.uri.queryParameters.get("grid").map { String($0) } ?? ""
        guard let grid = Self.grids(of: me, in: snapshot).first(where: { $0.id == gridID }),
            let community = snapshot.communities[grid.communityID]
        else { return notFound(language) }
        let formLink = "/r/new?grid=\(grid.id)" + (language == .en ? "&lang=en" : "")
        let now = clock.now()

        let submitted: SubmittedForm
        do {
            submitted = try await SubmittedForm.read(&request, context: context)
        } catch FormError.tooLarge {
            return pages.message(language, title: "too_large_title", body: "too_large_body", link: formLink, status: .contentTooLarge)
        } catch {
            return pages.message(language, title: "bad_request_title", body: "bad_request_body", link: formLink, status: .badRequest)
        }
        let fields = submitted.fields
        // Another site's page cannot post as this phone: the session's CSRF token, then the form's own single-use token.
        guard PhoneCookies.formAllowed(request, token: fields.csrf, session: session) else {
            return pages.message(language, title: "r_expired_title", body: "r_expired_body", link: formLink, linkText: "r_back", status: .forbidden)
        }
        let nonce: String
        do {
            nonce = try tokens.verify(fields.form_token ?? "", pointID: Self.tokenScope(me, grid), now: now)
        } catch FormTokens.Failure.expired {
            return pages.message(language, title: "expired_title", body: "expired_body", link: formLink, status: .badRequest)
        } catch {
            return pages.message(language, title: "rejected_title", body: "rejected_body", link: formLink, status: .badRequest)
        }

        // Where: a point of the grid, or the grid's typed place and the words for it.
        var errors: [String: String] = [:]
        var pointID = Point.gridPlaceID(grid.id)
        var place: String?
        let spot = fields.spot ?? ""
        if !spot.isEmpty {
            if let point = Self.points(of: grid, in: snapshot).first(where: { $0.id == spot }) {
                pointID = point.id
            } else {
                errors["spot"] = "error_spot"
            }
        } else {
            place = FoundPlace.clean(fields.place ?? "")
            if place == nil { errors["place"] = "error_place" }
        }
        // A part-time worker leaves no call-back number: the office reaches them by the one in the community file.
        var text = fields
        text.phone = nil
        var checked: CheckedReport?
        switch text.check(categories: community.categories) {
        case .failure(let problems): errors.merge(problems.messages) { first, _ in first }
        case .success(let report): checked = report
        }
        if submitted.photo == nil { errors["photo"] = "error_photo_missing" }
        guard errors.isEmpty, let checked else {
            return form(grid: grid, me: session, snapshot: snapshot, language: language, fields: fields, errors: errors, status: .unprocessableContent)
        }
        guard await workerLimiter.take(me.id, now: now) else {
            var response = pages.message(language, title: "too_many_title", body: "too_many_body", status: .tooManyRequests)
            response.headers[.retryAfter] = "120"
            return response
        }
        let pointBusy = await !pointLimiter.take(pointID, now: now)
        let draft = ReportDraft(
            pointID: pointID, category: checked.category, description: checked.description,
            // Nobody opens a resident's status page for it: the key is thrown away, the worker follows it under /r.
            statusKeyHash: Secret.hash(Secret.generate()), formNonce: nonce, pointBusy: pointBusy, foundBy: me.id, place: place)
        switch try await filing.file(draft, photo: submitted.photo, at: now) {
        case .filed(let created):
            return Response(
                status: .seeOther, headers: [.location: "/r/\(created.report.number)" + PhoneController.query(language), .cacheControl: "no-store"])
        case .photo(let message, let status):
            return form(grid: grid, me: session, snapshot: snapshot, language: language, fields: fields, errors: ["photo": message], status: status)
        case .replayed:
            return pages.message(language, title: "replayed_title", body: "replayed_body", link: "/r" + PhoneController.query(language), status: .conflict)
        case .forbidden:
            return notFound(language)
        case .unavailable:
            return pages.message(language, title: "unavailable_title", body: "unavailable_body", link: formLink, status: .serviceUnavailable)
        }
    }

    // MARK: The list

    /// "我反映的问题": what I reported, newest first, its status and how long the fix took.
    func list(_ session: PhoneSession, language: Language) async throws -> Response {
        let me = session.responder
        let snapshot = try await database.snapshot()
        let found = try await database.reports(
            in: snapshot.roster.scope(for: me), filter: ReportFilter(statuses: [], limit: Self.listLimit, newestFirst: true))
        let rows = found.map { summary -> [String: Any] in
            let report = summary.report
            let community = snapshot.communities[report.communityID]
            var row: [String: Any] = [
                "number": report.number, "pointName": report.placeName(pointName: summary.point.name),
                "category": community?.categories.first { $0.id == report.category }?.label ?? report.category,
                "state": language.text("r_status_\(report.status.rawValue)"),
            ]
            if let resolved = report.resolvedAt {
                row["left"] = language.text("r_found_fixed_in", TimeLeft.duration(resolved.timeIntervalSince(report.createdAt), language))
            }
            return row
        }
        var page = language.pageContext
        page["who"] = who(me, language)
        page["csrf"] = session.csrf
        page["q"] = PhoneController.query(language)
        page["title"] = language.text("r_found_title")
        page["newLink"] = "/r/new" + PhoneController.query(language)
        page["sections"] = [["title": language.text("r_found_title"), "count": rows.count, "rows": rows]]
        return pages.render("r_inbox", page)
    }

    // MARK: Pieces

    /// The grids a part-time worker passes through, as the catalogue has them now.
    static func grids(of me: Responder, in snapshot: CommunitySnapshot) -> [Grid] {
        me.grids.compactMap { snapshot.roster.grids[$0] }.filter { me.mayReport(inGrid: $0.id) }
    }

    /// A grid's places with a plaque, by name: the short list a worker picks from.
    static func points(of grid: Grid, in snapshot: CommunitySnapshot) -> [Point] {
        snapshot.points(inGrid: grid.id).filter { $0.active && !$0.isGridPlace }.sorted { $0.name < $1.name }
    }

    /// A form token is for this worker and this grid only.
    static func tokenScope(_ me: Responder, _ grid: Grid) -> String { "found|\(me.id)|\(grid.id)" }

    private func form(
        grid: Grid, me session: PhoneSession, snapshot: CommunitySnapshot, language: Language, fields: ReportFields?, errors: [String: String],
        status: HTTPResponse.Status
    ) -> Response {
        let me = session.responder
        let community = snapshot.communities[grid.communityID]
        var page = language.pageContext
        page["who"] = who(me, language)
        page["q"] = PhoneController.query(language)
        page["csrf"] = session.csrf
        page["grid"] = grid.id
        page["gridName"] = grid.name
        page["form"] = true
        page["lang_en"] = language == .en
        let spot = fields?.spot ?? ""
        page["spots"] = Self.points(of: grid, in: snapshot).map { ["id": $0.id, "name": $0.name, "checked": $0.id == spot] }
        page["otherChecked"] = spot.isEmpty
        page["place"] = fields?.place ?? ""
        page["categories"] = (community?.categories ?? []).map { ["id": $0.id, "label": $0.label, "checked": $0.id == fields?.category] }
        page["description"] = fields?.description ?? ""
        page["token"] = tokens.issue(pointID: Self.tokenScope(me, grid), now: clock.now())
        page["hasErrors"] = !errors.isEmpty
        for (field, key) in errors { page["error_\(field)"] = language.text(key) }
        return pages.render("r_new", page, status: status)
    }

    private func who(_ responder: Responder, _ language: Language) -> String {
        "\(responder.name) · \(language.roleLabel(responder.role))"
    }

    private func notFound(_ language: Language) -> Response {
        pages.message(language, title: "r_not_found_title", body: "r_not_found_body", link: "/r" + PhoneController.query(language), linkText: "r_back", status: .notFound)
    }
}
