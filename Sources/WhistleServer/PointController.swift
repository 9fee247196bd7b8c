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
    let photos: PhotoStore
    let trustedProxies: Set<String>
    let clientLimiter: RateLimiter
    let pointLimiter: RateLimiter
    let scans: ScanCounter
    let formPages = FormPages()
    let notifier: @Sendable () -> Void
    let metrics: WhistleMetrics
    let logger: Logger

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get(":code", use: show)
        group.post(":code", use: submit)
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
            formHTML(point: point, community: community, language: language, fields: nil, errors: [:], token: FormPages.slot)
        }
        guard let page else { return form(point: point, community: community, language: language, fields: nil, errors: [:], status: .ok) }
        return page.response(token: tokens.issue(pointID: point.id, now: now))
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

        var photoIDs: [String] = []
        if let bytes = submitted.photo {
            do {
                photoIDs.append(try await photos.save(bytes))
            } catch let error as PhotoError {
                let (key, status): (String, HTTPResponse.Status) =
                    switch error {
                    case .notAnImage: ("error_photo_type", .unprocessableContent)
                    case .tooLarge: ("error_photo_size", .contentTooLarge)
                    case .tooManyPixels: ("error_photo_pixels", .unprocessableContent)
                    case .undecodable: ("error_photo_bad", .unprocessableContent)
                    // The server's fault, not the photo's (`whistle serve` checks libvips at start).
                    case .unavailable: ("error_photo_unavailable", .serviceUnavailable)
                    }
                return form(point: point, community: community, language: language, fields: fields, errors: ["photo": key], status: status)
            }
        }

        let key = Secret.generate()
        let created: CreatedReport
        do {
            created = try await database.createReport(
                ReportDraft(
                    pointID: point.id, category: checked.category, description: checked.description, phone: checked.phone,
                    photoIDs: photoIDs, statusKeyHash: Secret.hash(key), formNonce: nonce, pointBusy: pointBusy),
                at: now)
        } catch StoreError.replayed {
            await photos.remove(photoIDs)
            return pages.message(language, title: "replayed_title", body: "replayed_body", link: formLink, status: .conflict)
        } catch {
            // Nothing was stored (the database is down or refused the write): neither may its photo be, and the
            // resident is told plainly that it was not received, never shown a bare 500.
            await photos.remove(photoIDs)
            logger.error("report not stored", metadata: ["point": "\(point.id)", "error": "\(error)"])
            return pages.message(language, title: "unavailable_title", body: "unavailable_body", link: formLink, status: .serviceUnavailable)
        }
        // Committed: only now is the resident told it was received.
        await photos.settle(photoIDs)
        notifier()
        metrics.reportReceived(duplicate: created.original != nil, dutyGaps: created.dutyGaps.count, firstInCommit: created.firstInCommit)
        if !created.dutyGaps.isEmpty {
            logger.warning("no one on duty: grid leader notified instead", metadata: ["report": "\(created.report.number)", "grid": "\(point.gridID)"])
        }
        logger.info("report received", metadata: ["report": "\(created.report.number)", "point": "\(point.id)", "category": "\(checked.category)"])
        var location = "/t/\(created.report.number)?k=\(key)"
        if language == .en { location += "&lang=en" }
        return Response(status: .seeOther, headers: [.location: location])
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
        status: HTTPResponse.Status
    ) -> Response {
        let token = tokens.issue(pointID: point.id, now: clock.now())
        return Pages.response(formHTML(point: point, community: community, language: language, fields: fields, errors: errors, token: token), status: status)
    }

    /// The form's HTML, fresh or with what was typed.
    private func formHTML(
        point: Point, community: CommunityInfo, language: Language, fields: ReportFields?, errors: [String: String], token: String
    ) -> String {
        var page = language.pageContext
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
