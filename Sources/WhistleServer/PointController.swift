import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleCore
import WhistleDispatch
import WhistleImaging
import WhistleStore

/// The page a resident lands on after scanning a plaque, and the report it sends.
struct PointController: Sendable {
    let database: AppDatabase
    let pages: Pages
    let clock: any WallClock
    let tokens: FormTokens
    let filing: ReportFiling
    let trustedProxies: Set<String>
    let clientLimiter: RateLimiter
    let pointLimiter: RateLimiter
    let scans: ScanCounter
    let residents: ResidentReports
    let formPages = FormPages()
    let logger: Logger

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get(":code", use: show)
        group.post(":code", use: submit)
        group.post(":code/mine/clear", use: clearMine)
    }

    @Sendable func show(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let snapshot = try await database.snapshot()
        guard case .active(let point) = snapshot.lookup(code: context.parameters.get("code") ?? ""), let community = snapshot.community(of: point) else {
            return notFound(language)
        }
        let now = clock.now()
        scans.record(pointID: point.id, at: now)
        // The page is the same for every resident but for its form token: rendered once per point, language and
        // change of the community (`snapshot.version`), then only the token is put in.
        let page = formPages.page(point: point.id, language: language, version: snapshot.version) {
            formHTML(point: point, community: community, language: language, fields: nil, errors: [:], token: FormPages.slot, mine: FormPages.mineSlot)
        }
        // This phone's own reports, from its signed cookie (no cookie: no read at all).
        let read = residents.read(request, context)
        var mine = ""
        if case .valid(let entries) = read, !entries.isEmpty {
            mine = try await mineHTML(entries, point: point, community: community, language: language)
        }
        var response =
            page?.response(mine: mine, token: tokens.issue(pointID: point.id, now: now))
            ?? form(point: point, community: community, language: language, fields: nil, errors: [:], status: .ok, mine: mine)
        if read == .tampered { response.setCookie(residents.clearing(tls: residents.isTLS(request, context))) }
        return response
    }

    /// "您反映过的问题": the phone's reports whose keys still match, newest first, with the status and the link to each.
    private func mineHTML(
        _ entries: [ResidentReports.Entry], point: Point, community: CommunityInfo, language: Language
    ) async throws -> String {
        let found = try await database.residentReports(entries.map { ($0.number, Secret.hash($0.key)) })
        guard !found.isEmpty else { return "" }
        let keys = Dictionary(entries.map { ($0.number, $0.key) }, uniquingKeysWith: { a, _ in a })
        let snapshot = try await database.snapshot()
        var page = language.pageContext
        page["code"] = point.code
        page["clear"] = residents.clearToken(entries)
        page["items"] = found.map { item -> [String: Any] in
            let report = item.report
            let categories = snapshot.communities[report.communityID]?.categories ?? community.categories
            return [
                "number": report.number, "key": keys[report.number] ?? "", "place": report.placeName(pointName: item.pointName),
                "category": categories.first { $0.id == report.category }?.label ?? report.category,
                "status": language.text("r_status_\(report.status.rawValue)"),
            ]
        }
        return pages.html("point_mine", page)
    }

    /// The button under the list: forgets this phone's reports (the reports themselves stay, of course).
    @Sendable func clearMine(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        guard let (point, _) = try await find(context) else { return notFound(language) }
        let back = "/p/\(point.code)" + (language == .en ? "?lang=en" : "")
        let fields = try await PhoneController.fields(request)
        let read = residents.read(request, context)
        let entries: [ResidentReports.Entry] = if case .valid(let entries) = read { entries } else { [] }
        guard request.headers[HTTPField.Name("Sec-Fetch-Site")!] != "cross-site", read != .none,
            read == .tampered || Secret.equal(fields?.c ?? "", residents.clearToken(entries))
        else {
            return pages.message(language, title: "rejected_title", body: "rejected_body", link: back, status: .forbidden)
        }
        var response = Response(status: .seeOther, headers: [.location: back, .cacheControl: "no-store"])
        response.setCookie(residents.clearing(tls: residents.isTLS(request, context)))
        return response
    }

    @Sendable func submit(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        var request = request
        let language = Language(request: request)
        guard let (point, community) = try await find(context) else { return notFound(language) }
        let formLink = "/p/\(point.code)" + (language == .en ? "?lang=en" : "")
        let now = clock.now()

        let client = ClientAddress.limitKey(ClientAddress.of(request, context: context, trusted: trustedProxies))
        // Refused at once when this client's bucket is already empty; spent only below, by a report that passed every
        // check, so a mistyped phone or a bot's empty POSTs never use up a resident's quota.
        guard await clientLimiter.has(client, now: now) else { return tooMany(language) }

        let submitted: SubmittedForm
        do {
            submitted = try await SubmittedForm.read(&request, context: context)
        } catch FormError.tooLarge {
            return pages.message(language, title: "too_large_title", body: "too_large_body", link: formLink, status: .contentTooLarge)
        } catch {
            return pages.message(language, title: "bad_request_title", body: "bad_request_body", link: formLink, status: .badRequest)
        }
        let fields = submitted.fields

        // A filled honeypot is a bot; it gets the same plain refusal as a bad token and learns nothing.
        guard (fields.website ?? "").isEmpty else {
            logger.info("report refused: honeypot filled", metadata: ["point": "\(point.id)"])
            return pages.message(language, title: "rejected_title", body: "rejected_body", link: formLink, status: .badRequest)
        }
        let nonce: String
        do {
            nonce = try tokens.verify(fields.form_token ?? "", pointID: point.id, now: now)
        } catch .expired {
            return pages.message(language, title: "expired_title", body: "expired_body", link: formLink, status: .badRequest)
        } catch {
            return pages.message(language, title: "rejected_title", body: "rejected_body", link: formLink, status: .badRequest)
        }

        let checked: CheckedReport
        switch fields.check(categories: community.categories) {
        case .failure(let errors):
            return form(point: point, community: community, language: language, fields: fields, errors: errors.messages, status: .unprocessableContent)
        case .success(let report):
            checked = report
        }

        guard await clientLimiter.take(client, now: now) else { return tooMany(language) }
        // The point's bucket never refuses: a handful of clients could otherwise empty it and lock out every resident
        // at the plaque. Past it, the report is kept but linked to the point's open report instead of paging again.
        let pointBusy = await !pointLimiter.take(point.id, now: now)
        if pointBusy { logger.warning("point busy: report linked, not paged again", metadata: ["point": "\(point.id)"]) }

        let key = Secret.generate()
        let draft = ReportDraft(
            pointID: point.id, category: checked.category, description: checked.description, phone: checked.phone,
            statusKeyHash: Secret.hash(key), formNonce: nonce, pointBusy: pointBusy)
        let created: CreatedReport
        switch try await filing.file(draft, photo: submitted.photo, at: now) {
        case .filed(let report):
            created = report
        case .photo(let message, let status):
            return form(point: point, community: community, language: language, fields: fields, errors: ["photo": message], status: status)
        case .replayed:
            return pages.message(language, title: "replayed_title", body: "replayed_body", link: formLink, status: .conflict)
        case .forbidden, .unavailable:
            return pages.message(language, title: "unavailable_title", body: "unavailable_body", link: formLink, status: .serviceUnavailable)
        }
        var location = "/t/\(created.report.number)?k=\(key)"
        if language == .en { location += "&lang=en" }
        var response = Response(status: .seeOther, headers: [.location: location])
        // This phone remembers it: the next scan of any plaque lists it with its status.
        let earlier: [ResidentReports.Entry] = if case .valid(let entries) = residents.read(request, context) { entries } else { [] }
        let entries = [ResidentReports.Entry(number: created.report.number, key: key)] + earlier.filter { $0.number != created.report.number }
        response.setCookie(residents.cookie(Array(entries.prefix(ResidentReports.most)), tls: residents.isTLS(request, context)))
        return response
    }

    private func find(_ context: WhistleRequestContext) async throws -> (Point, CommunityInfo)? {
        let snapshot = try await database.snapshot()
        guard case .active(let point) = snapshot.lookup(code: context.parameters.get("code") ?? ""), let community = snapshot.community(of: point) else {
            return nil
        }
        return (point, community)
    }

    private func tooMany(_ language: Language) -> Response {
        var response = pages.message(language, title: "too_many_title", body: "too_many_body", status: .tooManyRequests)
        response.headers[.retryAfter] = "120"
        return response
    }

    private func notFound(_ language: Language) -> Response {
        pages.message(language, title: "not_found_title", body: "not_found_body", status: .notFound)
    }

    /// The form re-shown with what the resident typed and a message next to each field to fix.
    private func form(
        point: Point, community: CommunityInfo, language: Language, fields: ReportFields?, errors: [String: String],
        status: HTTPResponse.Status, mine: String = ""
    ) -> Response {
        let token = tokens.issue(pointID: point.id, now: clock.now())
        return Pages.response(
            formHTML(point: point, community: community, language: language, fields: fields, errors: errors, token: token, mine: mine), status: status)
    }

    /// The form's HTML, fresh or with what was typed.
    private func formHTML(
        point: Point, community: CommunityInfo, language: Language, fields: ReportFields?, errors: [String: String], token: String,
        mine: String = ""
    ) -> String {
        var page = language.pageContext
        page["mine"] = mine
        page["community"] = community.name
        page["name"] = point.name
        page["code"] = point.code
        page["kind"] = language.kindLabel(point.kind)
        page["address"] = point.address ?? ""
        page["services"] = point.services.enumerated().map { ["name": $1, "last": $0 == point.services.count - 1] }
        page["hasServices"] = !point.services.isEmpty
        page["categories"] = community.categories.map { ["id": $0.id, "label": $0.label, "checked": $0.id == fields?.category] }
        page["description"] = fields?.description ?? ""
        page["phone"] = fields?.phone ?? ""
        page["token"] = token
        page["hasErrors"] = !errors.isEmpty
        for (field, key) in errors { page["error_\(field)"] = language.text(key) }
        return pages.html("point", page)
    }
}
