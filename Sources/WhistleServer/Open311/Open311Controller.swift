import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleCore
import WhistleStore

/// Open311 GeoReport v2 under `/open311/v2` (#18): how a city's 311 back-end, FixMyStreet or a civic app files into a
/// community and follows what happens. Discovery, the service list (one service per category), each service's
/// definition (its one required attribute is the point, the plaque, the report is about), filing, the requests and
/// tokens. Every answer is XML or JSON by the path's suffix; every error is the spec's list, never a 5xx for bad input.
///
/// Filing goes through `ReportFiling`, the residents' path: the same store checks, duplicate linking, transaction and
/// ladder, and "received" only after the commit.
struct Open311Controller: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let filing: ReportFiling
    /// The residents' per-point bucket: past it a report is linked, never refused.
    let pointLimiter: RateLimiter
    /// Per integration name.
    let keyLimiter: RateLimiter
    let keyRefillSeconds: Double
    let logger: Logger

    /// How far back `GET requests` looks by default, and the widest window it answers.
    static let window: TimeInterval = 90 * 86400
    static let maxPageSize = 1000

    /// When this document's shape last changed (the spec's `changeset`).
    static let changeset = "2026-11-26T00:00:00+08:00"
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get("discovery.{format}") { request, context in try await answer(context.parameters.get("format")) { try await discovery($0) } }
        group.get("services.{format}") { request, context in
            try await answer(context.parameters.get("format")) { try await services(request, $0) }
        }
        group.get("services/:file") { request, context in
            let file = GeoFormat.split(context.parameters.get("file") ?? "")
            return try await answer(file?.format.rawValue) { try await definition(request, code: file?.name ?? "", $0) }
        }
        group.get("requests.{format}") { request, context in
            try await answer(context.parameters.get("format")) { try await requests(request, $0) }
        }
        group.post("requests.{format}") { request, context in
            var request = request
            return try await answer(context.parameters.get("format")) { try await file(&request, $0) }
        }
        group.get("requests/:file") { request, context in
            let file = GeoFormat.split(context.parameters.get("file") ?? "")
            return try await answer(file?.format.rawValue) { try await one(request, number: file?.name ?? "", $0) }
        }
        group.get("tokens/:file") { request, context in
            let file = GeoFormat.split(context.parameters.get("file") ?? "")
            return try await answer(file?.format.rawValue) { try await token(request, file?.name ?? "", $0) }
        }
        // Anything else under /open311/v2 is the spec's 404, in JSON when the path asks for it.
        let unknown: @Sendable (Request, WhistleRequestContext) async throws -> Response = { request, _ in
            Open311Error.notFound("no such Open311 resource: \(request.uri.path.suffix(100))")
                .response(request.uri.path.lowercased().hasSuffix(".json") ? .json : .xml)
        }
        group.get("**", use: unknown)
        group.post("**", use: unknown)
    }

    /// Runs `body` for a known format, turning its `Open311Error` into the spec's answer in that format.
    private func answer(_ suffix: String?, _ body: (GeoFormat) async throws -> GeoDocument) async throws -> Response {
        guard let format = suffix.flatMap({ GeoFormat(rawValue: $0.lowercased()) }) else {
            return Open311Error.notFound("the format is the path's suffix: .xml or .json").response(.xml)
        }
        do {
            return try await body(format).response(format)
        } catch let error as Open311Error {
            return error.response(format)
        } catch {
            // Not the client's fault: the database did not answer. Said in the client's format, never a bare 500.
            logger.error("open311: store unavailable", metadata: ["error": "\(error)"])
            return Open311Error(status: .serviceUnavailable, description: "the service is unavailable; try again shortly", retryAfter: 30)
                .response(format)
        }
    }

    // MARK: Routes

    private func discovery(_ format: GeoFormat) async throws -> GeoDocument {
        let snapshot = try await database.snapshot()
        let base = snapshot.street?.baseURL ?? snapshot.communityList.first?.baseURL ?? ""
        let endpoint = GeoNode.object([
            ("specification", .text(Self.specification)), ("url", .text(base + "/open311/v2")), ("changeset", .text(Self.changeset)),
            ("type", .text("production")), ("formats", .list(item: "format", [.text("text/xml"), .text("application/json")])),
        ])
        return GeoDocument(
            root: "discovery",
            node: .object([
                ("changeset", .text(Self.changeset)), ("contact", .text(snapshot.street?.name ?? snapshot.communityList.first?.name)),
                ("key_service", .text("whistle integrations key NAME (ask the community or street office)")),
                ("endpoints", .list(item: "endpoint", [endpoint])),
            ]))
    }

    private func services(_ request: Request, _ format: GeoFormat) async throws -> GeoDocument {
        let community = try await jurisdiction(request)
        return GeoDocument(
            root: "services",
            node: .list(
                item: "service",
                community.categories.map { category in
                    .object([
                        ("service_code", .text(category.id)), ("service_name", .text(category.label)), ("description", .text(category.label)),
                        ("metadata", .bool(true)), ("type", .text("realtime")),
                        ("keywords", .text(category.label.components(separatedBy: " / ").joined(separator: ","))),
                        ("group", .text(community.name)),
                    ])
                }))
    }

    private func definition(_ request: Request, code: String, _ format: GeoFormat) async throws -> GeoDocument {
        let community = try await jurisdiction(request)
        guard community.categories.contains(where: { $0.id == code }) else {
            throw Open311Error.notFound("service_code '\(code.prefix(50))' is not a service of \(community.name) (see services.\(format.rawValue))")
        }
        let snapshot = try await database.snapshot()
        let points = snapshot.allPoints.filter { $0.communityID == community.id && $0.active && !$0.isGridPlace }.sorted { $0.id < $1.id }
        let attribute = GeoNode.object([
            ("variable", .bool(true)), ("code", .text("point")), ("datatype", .text("singlevaluelist")), ("required", .bool(true)),
            ("datatype_description", .text(nil)), ("order", .integer(1)),
            ("description", .text("哪个点位（铭牌）？ / Which point (plaque)?")),
            ("values", .list(item: "value", points.map { .object([("key", .text($0.id)), ("name", .text($0.name + ($0.address.map { " · \($0)" } ?? "")))]) })),
        ])
        return GeoDocument(
            root: "service_definition", node: .object([("service_code", .text(code)), ("attributes", .list(item: "attribute", [attribute]))]))
    }

    /// The community `jurisdiction_id` names: optional in a one-community deployment, required with several (a POST
    /// may name it in its body, or leave it to a key that files into one community only).
    func jurisdiction(_ request: Request, given: String? = nil, scope: [Int64]? = nil) async throws -> CommunityInfo {
        let communities = try await database.snapshot().communityList
        guard let raw = given ?? request.uri.queryParameters.get("jurisdiction_id"), !raw.isEmpty else {
            if communities.count == 1 { return communities[0] }
            if let scope, scope.count == 1, let only = communities.first(where: { $0.id == scope[0] }) { return only }
            throw Open311Error.badRequest(
                "jurisdiction_id is required here: " + communities.map { "\($0.id) (\($0.name))" }.joined(separator: ", "))
        }
        guard let id = Int64(raw), let community = communities.first(where: { $0.id == id }) else {
            throw Open311Error.notFound("no jurisdiction '\(raw.prefix(20))' here")
        }
        return community
    }

    // MARK: Requests

    private func requests(_ request: Request, _ format: GeoFormat) async throws -> GeoDocument {
        let community = try await jurisdiction(request)
        let query = request.uri.queryParameters
        func list(_ name: String) -> [String]? {
            guard let raw = query.get(name), !raw.isEmpty else { return nil }
            return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var filter = ServiceRequestFilter(communityID: community.id, from: .distantPast, to: .distantFuture)
        if let numbers = list("service_request_id") {
            guard numbers.count <= Self.maxPageSize else { throw Open311Error.badRequest("at most \(Self.maxPageSize) service_request_id values") }
            filter.numbers = numbers.map { String($0.prefix(40)) }
        } else {
            // Only the community's own services can match: unknown codes select nothing, and a list of any length
            // becomes at most one placeholder per service.
            filter.categories = list("service_code").map { codes in
                community.categories.map(\.id).filter { codes.contains($0) }
            }
            if let states = list("status") {
                var wanted = Set<GeoReportState>()
                for state in states {
                    guard let known = GeoReportState(rawValue: state.lowercased()) else {
                        throw Open311Error.badRequest("status is open, closed or both (open,closed), not '\(state.prefix(20))'")
                    }
                    wanted.insert(known)
                }
                filter.states = wanted
            }
            func date(_ name: String) throws -> Date? {
                guard let raw = query.get(name), !raw.isEmpty else { return nil }
                guard let date = Open311Date.parse(raw) else {
                    throw Open311Error.badRequest("\(name) is not a W3C date-time (2026-11-25T09:00:00+08:00): '\(raw.prefix(40))'")
                }
                return date
            }
            let start = try date("start_date")
            var end = try date("end_date")
            // A bare day as the end means the whole of that day.
            if let raw = query.get("end_date"), raw.count == 10, let day = end { end = day.addingTimeInterval(86400 - 0.001) }
            switch (start, end) {
            case (nil, nil):
                // One reading of the clock: two would be a few microseconds over the 90 days checked below.
                let now = clock.now()
                (filter.from, filter.to) = (now.addingTimeInterval(-Self.window), now)
            case (let start?, nil): (filter.from, filter.to) = (start, start.addingTimeInterval(Self.window))
            case (nil, let end?): (filter.from, filter.to) = (end.addingTimeInterval(-Self.window), end)
            case (let start?, let end?): (filter.from, filter.to) = (start, end)
            }
            guard filter.to >= filter.from else { throw Open311Error.badRequest("end_date is before start_date") }
            guard filter.to.timeIntervalSince(filter.from) <= Self.window else {
                throw Open311Error.badRequest("start_date to end_date spans more than 90 days; ask for several windows")
            }
        }
        let page = try Self.number(query.get("page"), name: "page", default: 1, range: 1...1_000_000)
        filter.limit = try Self.number(query.get("page_size"), name: "page_size", default: Self.maxPageSize, range: 1...Self.maxPageSize)
        filter.offset = (page - 1) * filter.limit
        let records = try await database.serviceRequests(filter)
        let mapping = Open311Mapping(community: community, language: Language(request: request), extensions: query.get("extensions") == "true")
        return GeoDocument(root: "service_requests", node: .list(item: "request", records.map(mapping.node)))
    }

    private func one(_ request: Request, number: String, _ format: GeoFormat) async throws -> GeoDocument {
        let community = try await jurisdiction(request)
        let filter = ServiceRequestFilter(communityID: community.id, numbers: [String(number.prefix(40))], from: .distantPast, to: .distantFuture)
        guard let record = try await database.serviceRequests(filter).first else {
            throw Open311Error.notFound("no service request '\(number.prefix(40))' in \(community.name)")
        }
        let mapping = Open311Mapping(
            community: community, language: Language(request: request), extensions: request.uri.queryParameters.get("extensions") == "true")
        return GeoDocument(root: "service_requests", node: .list(item: "request", [mapping.node(record)]))
    }

    /// Filing is immediate, so a token is the request's id: `tokens/{id}` answers the id once the request exists.
    private func token(_ request: Request, _ token: String, _ format: GeoFormat) async throws -> GeoDocument {
        let community = try await jurisdiction(request)
        let filter = ServiceRequestFilter(communityID: community.id, numbers: [String(token.prefix(40))], from: .distantPast, to: .distantFuture)
        guard let record = try await database.serviceRequests(filter).first else {
            throw Open311Error.notFound("no token '\(token.prefix(40))' in \(community.name)")
        }
        let number = record.view.report.number
        return GeoDocument(
            root: "service_requests",
            node: .list(item: "request", [.object([("service_request_id", .text(number)), ("token", .text(number))])]))
    }

    // MARK: Filing

    private func file(_ request: inout Request, _ format: GeoFormat) async throws -> GeoDocument {
        let fields = try await Self.body(&request)
        guard let key = fields["api_key"], !key.isEmpty else { throw Open311Error.forbidden("api_key is required to file a request") }
        guard let integration = try await database.integration(key: key) else {
            throw Open311Error.forbidden("api_key is not valid (revoked, or never issued)")
        }
        let now = clock.now()
        guard await keyLimiter.take(integration.name, now: now) else {
            throw Open311Error(
                status: .tooManyRequests, description: "too many requests for this api_key; slow down",
                retryAfter: Int(keyRefillSeconds.rounded(.up)))
        }
        let community = try await jurisdiction(request, given: fields["jurisdiction_id"], scope: integration.communities)
        guard integration.communities.contains(community.id) else {
            throw Open311Error.forbidden("this api_key does not file into \(community.name) (jurisdiction_id \(community.id))")
        }
        let checked: Open311Submission.Checked
        let snapshot = try await database.snapshot()
        switch Open311Submission.check(fields, community: community, point: { snapshot.point(id: $0) }) {
        case .failure(let error): throw error
        case .success(let value): checked = value
        }
        let pointBusy = await !pointLimiter.take(checked.pointID, now: now)
        var draft = ReportDraft(
            pointID: checked.pointID, category: checked.category, description: checked.description, phone: checked.phone,
            // Integrations follow their reports through Open311; the residents' status link is never shown, so its key is thrown away.
            statusKeyHash: Secret.hash(Secret.generate()), pointBusy: pointBusy)
        draft.integrationID = integration.id
        draft.submitter = Submitter(
            integrationName: integration.name, mediaURL: checked.mediaURL, deviceID: checked.deviceID, accountID: checked.accountID,
            firstName: checked.firstName, lastName: checked.lastName, email: checked.email)
        switch try await filing.file(draft, photo: nil, at: now) {
        case .filed(let created):
            let mapping = Open311Mapping(community: community, language: Language(request: request))
            return GeoDocument(
                root: "service_requests",
                node: .list(
                    item: "request",
                    [
                        .object([
                            ("service_request_id", .text(created.report.number)),
                            ("service_notice", .text(mapping.notice(report: created.report, original: created.original, policy: community.policy))),
                            ("account_id", .text(checked.accountID)),
                        ])
                    ]))
        case .forbidden:
            throw Open311Error.forbidden("this api_key was revoked, or no longer files into \(community.name)")
        case .replayed, .photo, .unavailable:
            throw Open311Error(status: .serviceUnavailable, description: "the report was not stored; try again shortly", retryAfter: 30)
        }
    }

    /// The POST body: urlencoded only, at most 64 KB (the spec sends media as `media_url`, never as an upload).
    private static func body(_ request: inout Request) async throws -> [String: String] {
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw Open311Error.badRequest("send application/x-www-form-urlencoded; media as media_url")
        }
        let tooLarge = Open311Error(status: .contentTooLarge, description: "the body is larger than 64 KB")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > SubmittedForm.maxURLEncoded { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: SubmittedForm.maxURLEncoded)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
        return try Open311Submission.parse(String(buffer: buffer))
    }

    private static func number(_ raw: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw, !raw.isEmpty else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw Open311Error.badRequest("\(name) is a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
