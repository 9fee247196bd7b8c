import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleCore
import WhistleStore

/// The responder's pages under `/r`, for the phone the message arrived on: sign in once with a personal link, then an
/// inbox and a page per report with 接单 / 报到, 办结, 吹哨 and reopen. Same rules as the API (`ResponderActions`),
/// same house style as the resident pages (no JavaScript, big targets).
struct PhoneController: Sendable {
    let database: AppDatabase
    let pages: Pages
    let clock: any WallClock
    let cookies: PhoneCookies
    let actions: ResponderActions
    let links: PhotoLinks
    /// Sign-in attempts per client: a link is 256 random bits, but guessing should still cost something.
    let loginLimiter: RateLimiter
    /// A part-time grid worker's `/r` is their own list (`PartTimeController`).
    let partTime: PartTimeController
    let logger: Logger

    /// A note of 1,000 CJK characters is about 9 KB once percent-encoded; a form is refused beyond this.
    static let maxBody = 16 * 1024
    /// Rows an inbox shows before "N more": it keeps the page small on a phone.
    static let inboxRows = 30

    /// Routes that work without a session: the sign-in link and the page that explains how to get one.
    func addPublicRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get("login/:token", use: showLogin)
        group.post("login/:token", use: login)
        group.get("signin", use: signin)
    }

    /// Routes behind `PhoneSessionMiddleware`.
    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get(use: inbox)
        group.post("logout", use: logout)
        group.get(":number", use: show)
        for action in PhoneAction.allCases {
            group.post(":number/\(action.rawValue)") { request, context in try await act(action, request, context) }
        }
    }

    // MARK: Sign-in

    @Sendable func showLogin(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let token = context.parameters.get("token") ?? ""
        switch try await linkState(token) {
        case .valid(let responder, _):
            var page = language.pageContext
            page["who"] = language.text("r_login_who", responder.name, language.roleLabel(responder.role))
            page["token"] = token
            page["q"] = Self.query(language)
            return pages.render("r_login", page)
        case .used, .expired: return gone(language)
        case .unknown: return pages.message(language, title: "r_login_unknown_title", body: "r_login_unknown_body", status: .notFound)
        }
    }

    @Sendable func login(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" {
            return pages.message(language, title: "r_expired_title", body: "r_expired_body", status: .forbidden)
        }
        let client = ClientAddress.limitKey(ClientAddress.of(request, context: context, trusted: cookies.trustedProxies))
        guard await loginLimiter.take(client, now: clock.now()) else {
            return pages.message(language, title: "too_many_title", body: "too_many_body", status: .tooManyRequests)
        }
        let token = context.parameters.get("token") ?? ""
        guard token.count <= 64 else { return pages.message(language, title: "r_login_unknown_title", body: "r_login_unknown_body", status: .notFound) }
        let tls = cookies.isTLS(request, context)
        let secret: String
        do {
            secret = try await database.redeemLoginLink(
                token: token, app: PhoneApp(userAgent: request.headers[.userAgent]), replacing: cookies.value(request, context), at: clock.now())
        } catch StoreError.notFound {
            return pages.message(language, title: "r_login_unknown_title", body: "r_login_unknown_body", status: .notFound)
        } catch StoreError.notAllowed {
            return gone(language)
        }
        logger.info("phone signed in", metadata: ["app": "\(PhoneApp(userAgent: request.headers[.userAgent]).rawValue)"])
        var response = Response(status: .seeOther, headers: [.location: "/r" + Self.query(language), .cacheControl: "no-store"])
        response.setCookie(cookies.cookie(secret, tls: tls))
        return response
    }

    @Sendable func signin(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        return pages.render("r_signin", language.pageContext)
    }

    @Sendable func logout(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let session = try requireSession(context)
        guard let fields = try await Self.fields(request), PhoneCookies.formAllowed(request, token: fields.csrf, session: session) else {
            return expired(language, back: "/r")
        }
        try await database.endSession(id: session.id, at: clock.now())
        var response = Response(status: .seeOther, headers: [.location: "/r/signin" + Self.query(language), .cacheControl: "no-store"])
        response.setCookie(cookies.clearing(tls: cookies.isTLS(request, context)))
        return response
    }

    // MARK: Inbox and report

    @Sendable func inbox(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let session = try requireSession(context)
        let me = session.responder
        if me.role == .partTime { return try await partTime.list(session, language: language) }
        let snapshot = try await database.snapshot()
        let scope = snapshot.roster.scope(for: me)
        let now = clock.now()
        let lists = PhoneInbox.Lists(
            waiting: try await database.reports(in: scope, filter: ReportFilter(statuses: me.isDepartment ? [.whistled] : [.open], limit: 1000)),
            mine: try await database.reports(in: scope, filter: ReportFilter(statuses: [.acknowledged, .whistled], mine: true, limit: 1000)))
        var page = PhoneInbox(me: me, snapshot: snapshot, language: language, now: now).context(lists, rows: Self.inboxRows)
        page["who"] = who(me, language)
        page["csrf"] = session.csrf
        page["q"] = Self.query(language)
        return pages.render("r_inbox", page)
    }

    @Sendable func show(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let session = try requireSession(context)
        guard let view = try await actions.visible(context.parameters.get("number") ?? "", to: session.responder) else { return notFound(language) }
        return try await reportPage(view, session: session, language: language, problem: nil, status: .ok)
    }

    // MARK: Actions

    struct ActionFields: Decodable {
        var csrf: String?
        /// The resident's clear button (`PointController.clearMine`).
        var c: String?
        var note: String?
        var to: String?
    }

    /// One action: the CSRF check, the fields, then the store's judgement. Success answers `303` back to the report.
    func act(_ action: PhoneAction, _ request: Request, _ context: WhistleRequestContext) async throws -> Response {
        let language = Language(request: request)
        let session = try requireSession(context)
        let me = session.responder
        let number = context.parameters.get("number") ?? ""
        let back = "/r/\(ReportNumber.isValid(number) ? number : "")"
        guard let fields = try await Self.fields(request) else {
            return pages.message(language, title: "bad_request_title", body: "bad_request_body", status: .badRequest)
        }
        // Checked before anything is read: a forged form learns nothing, not even whether the report exists.
        guard PhoneCookies.formAllowed(request, token: fields.csrf, session: session) else { return expired(language, back: back) }
        guard let view = try await actions.visible(number, to: me) else { return notFound(language) }
        var problem = PhoneProblem(action: action, note: fields.note ?? "", to: fields.to)
        let note = fields.note.flatMap(ResponderActions.cleanNote) ?? ""
        if action != .ack && note.isEmpty { problem.field = "note" }
        let department = fields.to?.trimmingCharacters(in: .whitespaces) ?? ""
        if action == .whistle {
            let snapshot = try await database.snapshot()
            if !snapshot.roster.departments.contains(where: { $0.id == department }) { problem.field = problem.field ?? "to" }
        }
        if problem.field != nil {
            return try await reportPage(view, session: session, language: language, problem: problem, status: .unprocessableContent)
        }
        do {
            switch action {
            case .ack: try await actions.acknowledge(view, by: me)
            case .resolve: try await actions.resolve(view, by: me, note: note)
            case .whistle: try await actions.whistle(view, by: me, to: department, note: note)
            case .reopen: try await actions.reopen(view, by: me, note: note)
            }
        } catch let error as StoreError {
            // The store is the judge; the page only words its answer, against the report as it is now.
            guard let now = try await actions.visible(number, to: me) else { return notFound(language) }
            switch error {
            case .forbidden:
                problem.refusal = PhoneRefusal.forbidden(action, report: now, language: language)
                return try await reportPage(now, session: session, language: language, problem: problem, status: .forbidden)
            case .notAllowed:
                problem.refusal = PhoneRefusal.conflict(action, report: now, me: me, language: language)
                return try await reportPage(now, session: session, language: language, problem: problem, status: .conflict)
            case .notFound:
                if action == .whistle {
                    problem.field = "to"
                    return try await reportPage(now, session: session, language: language, problem: problem, status: .unprocessableContent)
                }
                return notFound(language)
            default: throw error
            }
        }
        return Response(status: .seeOther, headers: [.location: "/r/\(number)" + Self.query(language), .cacheControl: "no-store"])
    }

    // MARK: Pieces

    private func reportPage(
        _ view: ReportView, session: PhoneSession, language: Language, problem: PhoneProblem?, status: HTTPResponse.Status
    ) async throws -> Response {
        let snapshot = try await database.snapshot()
        var page = PhoneReportPage(view: view, me: session.responder, snapshot: snapshot, language: language, now: clock.now())
            .context(problem: problem, photoLink: { links.link($0, now: clock.now()) })
        page["who"] = who(session.responder, language)
        page["csrf"] = session.csrf
        page["q"] = Self.query(language)
        return pages.render("r_report", page, status: status)
    }

    private func linkState(_ token: String) async throws -> LoginLinkState {
        guard !token.isEmpty, token.count <= 64 else { return .unknown }
        return try await database.loginLink(token: token, at: clock.now())
    }

    private func who(_ responder: Responder, _ language: Language) -> String {
        "\(responder.name) · \(language.roleLabel(responder.role))"
    }

    private func requireSession(_ context: WhistleRequestContext) throws -> PhoneSession {
        guard let session = context.phone else { throw HTTPError(.unauthorized) }
        return session
    }

    private func gone(_ language: Language) -> Response {
        pages.message(language, title: "r_login_used_title", body: "r_login_used_body", status: .gone)
    }

    private func notFound(_ language: Language) -> Response {
        pages.message(language, title: "r_not_found_title", body: "r_not_found_body", link: "/r" + Self.query(language), linkText: "r_back", status: .notFound)
    }

    private func expired(_ language: Language, back: String) -> Response {
        pages.message(language, title: "r_expired_title", body: "r_expired_body", link: back + Self.query(language), linkText: "r_back_report", status: .forbidden)
    }

    static func query(_ language: Language) -> String { language == .en ? "?lang=en" : "" }

    /// The form's fields, or nil when the body is not a readable URL-encoded form of at most `maxBody` bytes.
    static func fields(_ request: Request) async throws -> ActionFields? {
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded"),
            let body = try? await request.body.collect(upTo: maxBody)
        else { return nil }
        let text = String(buffer: body)
        // Every value must percent-decode to UTF-8: the decoder would otherwise keep `%FF` as it came.
        let valid = text.split(separator: "&").allSatisfy { pair in
            pair.split(separator: "=", omittingEmptySubsequences: false).allSatisfy { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding != nil }
        }
        guard valid else { return nil }
        return try? URLEncodedFormDecoder().decode(ActionFields.self, from: text)
    }
}

/// The actions a phone page posts, by their path.
enum PhoneAction: String, CaseIterable, Sendable {
    case ack, resolve, whistle, reopen

    var reportAction: ReportAction {
        switch self {
        case .ack: .acknowledge
        case .resolve: .resolve
        case .whistle: .whistle
        case .reopen: .reopen
        }
    }
}

/// What went wrong with a posted form, to show beside it: a field to fix (422, the typed text kept) or the store's
/// refusal (403, 409) in words.
struct PhoneProblem {
    var action: PhoneAction
    var note: String
    var to: String?
    var field: String?
    var refusal: String?
}

extension Responder {
    var isDepartment: Bool { role == .department || role == .property }
}
