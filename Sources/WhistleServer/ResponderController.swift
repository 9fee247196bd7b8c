import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WhistleAPI
import WhistleCore
import WhistleDispatch
import WhistleStore

/// The responder API under `/api/v1`: list, show, take (接单), resolve (办结), whistle (吹哨), reopen, and a live feed.
struct ResponderController: Sendable {
    let database: AppDatabase
    let clock: any WallClock
    let photos: PhotoStore
    let links: PhotoLinks
    let actions: ResponderActions
    let logger: Logger

    func addRoutes(to group: RouterGroup<WhistleRequestContext>) {
        group.get("me", use: me)
        group.get("departments", use: departments)
        group.get("reports", use: list)
        group.get("reports/:number", use: show)
        group.post("reports/:number/ack", use: acknowledge)
        group.post("reports/:number/resolve", use: resolve)
        group.post("reports/:number/whistle", use: whistle)
        group.post("reports/:number/reopen", use: reopen)
        group.get("events", use: EventFeed(database: database, logger: logger).stream)
        group.post("plaques/check", use: checkPlaques)
        group.get("sla", use: sla)
    }

    /// Photos are outside the bearer group: their links are signed and expire.
    func addPhotoRoute(to group: RouterGroup<WhistleRequestContext>) {
        group.get("photos/:id", use: photo)
    }


    struct NoteBody: Decodable {
        var note: String?
    }

    struct WhistleBody: Decodable {
        var to: String?
        var note: String?
    }

    @Sendable func me(_ request: Request, context: WhistleRequestContext) async throws -> MeDTO {
        let responder = try context.requireResponder()
        let snapshot = try await database.snapshot()
        let scope = snapshot.roster.scope(for: responder)
        let own = responder.communityID.flatMap { snapshot.communities[$0] }
        let visible = scope.communities.map { ids in snapshot.communityList.filter { ids.contains($0.id) } } ?? snapshot.communityList
        return MeDTO(
            id: responder.id, name: responder.name, role: responder.role.rawValue, grids: scope.gridIDs.sorted(),
            community: own.map { CommunityDTO(id: $0.id, name: $0.name) },
            communities: visible.map { CommunityDTO(id: $0.id, name: $0.name) })
    }

    @Sendable func departments(_ request: Request, context: WhistleRequestContext) async throws -> [DepartmentDTO] {
        _ = try context.requireResponder()
        return try await database.responders().filter { $0.active && ($0.role == .department || $0.role == .property) }
            .map { DepartmentDTO(id: $0.id, name: $0.name, role: $0.role.rawValue) }
    }

    @Sendable func list(_ request: Request, context: WhistleRequestContext) async throws -> [ReportDTO] {
        let responder = try context.requireResponder()
        let query = request.uri.queryParameters
        var filter = ReportFilter()
        if let status = query.get("status") {
            if status.isEmpty {
                throw APIError.badRequest("'status' is a comma-separated list of statuses, or all")
            } else if status == "all" {
                filter.statuses = []
            } else {
                let statuses = status.split(separator: ",").map { ReportStatus(rawValue: String($0)) }
                guard statuses.allSatisfy({ $0 != nil }) else { throw APIError.badRequest("unknown status in '\(status)'") }
                filter.statuses = statuses.compactMap { $0 }
            }
        }
        filter.gridID = query.get("grid")
        if let text = query.get("community") { filter.communityID = try Self.communityID(text) }
        switch query.get("mine") {
        case nil, "false", "0": filter.mine = false
        case "true", "1": filter.mine = true
        case let other?: throw APIError.badRequest("'mine' is true or false, not '\(other.prefix(20))'")
        }
        let snapshot = try await database.snapshot()
        let scope = snapshot.roster.scope(for: responder)
        let now = clock.now()
        return try await database.reports(in: scope, filter: filter).map {
            ReportDTO(
                summary: $0.report, point: $0.point, promiseSeconds: $0.promiseSeconds, community: snapshot.communities[$0.report.communityID],
                viewer: responder, now: now, finder: $0.report.foundBy.flatMap { snapshot.roster.responders[$0] })
        }
    }

    @Sendable func show(_ request: Request, context: WhistleRequestContext) async throws -> ReportDTO {
        let responder = try context.requireResponder()
        let view = try await visible(context, responder)
        let community = try await database.community(id: view.report.communityID)
        let now = clock.now()
        let roster = try await database.snapshot().roster
        let finder = view.report.foundBy.flatMap { roster.responders[$0] }
        var dto = ReportDTO(
            summary: view.report, point: view.point, promiseSeconds: view.policy.promiseSeconds, community: community,
            viewer: responder, now: now, finder: finder)
        dto.duplicate_of = view.original?.number
        dto.photos = view.report.photoIDs.map { links.link($0, now: now) }
        dto.timeline = view.events.map { ReportDTO.EventDTO(at: $0.at, kind: $0.kind.rawValue, actor: $0.actor, detail: $0.detail) }
        if let id = view.report.id, let submitter = try await database.submitter(reportID: id) {
            dto.via = "open311:" + submitter.integrationName
            // The person's name and email follow the phone's rule: the taker calls back, nobody else needs them.
            if view.report.ackBy == responder.id, submitter.name != nil || submitter.email != nil {
                dto.reporter = ReportDTO.ReporterDTO(name: submitter.name, email: submitter.email)
            }
        }
        return dto
    }

    @Sendable func acknowledge(_ request: Request, context: WhistleRequestContext) async throws -> ReportDTO {
        let responder = try context.requireResponder()
        let view = try await visible(context, responder)
        try await act { try await actions.acknowledge(view, by: responder) }
        return try await show(request, context: context)
    }

    @Sendable func resolve(_ request: Request, context: WhistleRequestContext) async throws -> ReportDTO {
        let responder = try context.requireResponder()
        let view = try await visible(context, responder)
        let note = try await note(request, context)
        try await act { try await actions.resolve(view, by: responder, note: note) }
        return try await show(request, context: context)
    }

    @Sendable func whistle(_ request: Request, context: WhistleRequestContext) async throws -> ReportDTO {
        let responder = try context.requireResponder()
        let view = try await visible(context, responder)
        let body = try await Self.decode(WhistleBody.self, request, context)
        guard let to = body.to?.trimmingCharacters(in: .whitespaces), !to.isEmpty else { throw APIError.badRequest("'to' (a department id) is required") }
        guard let note = body.note.flatMap(ResponderActions.cleanNote), !note.isEmpty else { throw APIError.badRequest("'note' is required: say what the department must do") }
        try await act { try await actions.whistle(view, by: responder, to: to, note: note) }
        return try await show(request, context: context)
    }

    @Sendable func reopen(_ request: Request, context: WhistleRequestContext) async throws -> ReportDTO {
        let responder = try context.requireResponder()
        let view = try await visible(context, responder)
        let note = try await note(request, context)
        try await act { try await actions.reopen(view, by: responder, note: note) }
        return try await show(request, context: context)
    }

    struct PlaqueCheckBody: Decodable {
        var codes: [String]
        /// RFC 3339, checked exactly (`Timestamp`).
        var taken_at: String?
        var photo: String?
        var record: Bool?
    }

    /// Patrol: judge codes decoded from plaque photos, and record genuine ones as verified (a leader or secretary for
    /// their community, street staff for any).
    @Sendable func checkPlaques(_ request: Request, context: WhistleRequestContext) async throws -> [PlaqueVerdict] {
        let responder = try context.requireResponder()
        guard [.gridLeader, .secretary, .street].contains(responder.role) else {
            throw APIError.forbidden("plaque checks are for a grid leader, the secretary or the street")
        }
        let snapshot = try await database.snapshot()
        let allowed = snapshot.roster.scope(for: responder).communities
        let body = try await Self.decode(PlaqueCheckBody.self, request, context)
        var takenAt = clock.now()
        if let text = body.taken_at {
            guard let date = Timestamp.parse(text) else { throw APIError.badRequest("'taken_at' is an RFC 3339 time such as 2026-11-25T09:30:00+08:00") }
            takenAt = date
        }
        guard !body.codes.isEmpty, body.codes.count <= 50, body.codes.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 2000 }) else {
            throw APIError.badRequest("'codes' must hold 1 to 50 decoded texts")
        }
        var verdicts: [PlaqueVerdict] = []
        for text in body.codes {
            let verdict = try await database.check(code: text)
            // Recorded only for a point of a community the patroller oversees.
            if body.record == true, verdict.verdict == .genuine, let point = verdict.pointID,
                let community = snapshot.point(id: point)?.communityID, allowed?.contains(community) ?? true
            {
                let photo = String((body.photo ?? "").prefix(200))
                try await database.recordVerified(pointID: point, at: takenAt, photo: photo, by: responder.id)
            }
            verdicts.append(verdict)
        }
        return verdicts
    }

    /// The SLA report as JSON (`whistle sla --server`): a grid leader or the secretary sees their community's, street
    /// staff any community's or all of them side by side.
    @Sendable func sla(_ request: Request, context: WhistleRequestContext) async throws -> SLAReport {
        let responder = try context.requireResponder()
        guard [.gridLeader, .secretary, .street].contains(responder.role) else {
            throw APIError.forbidden("the SLA report is for a grid leader, the secretary or the street")
        }
        let query = request.uri.queryParameters
        guard let from = query.get("from"), let to = query.get("to"), ReportNumber.isValid(from + "-0000"), ReportNumber.isValid(to + "-0000"),
            from <= to
        else { throw APIError.badRequest("'from' and 'to' are local days YYYYMMDD, from <= to") }
        var grouping: SLAGrouping?
        if let by = query.get("by") {
            guard let value = SLAGrouping(rawValue: by) else { throw APIError.badRequest("'by' is grid, responder, point, category, kind or community") }
            grouping = value
        }
        let snapshot = try await database.snapshot()
        let allowed = snapshot.roster.scope(for: responder).communities
        var communities = allowed
        if let text = query.get("community") {
            let id = try Self.communityID(text)
            guard allowed?.contains(id) ?? true else { throw APIError.forbidden("community \(id) is not yours to read") }
            guard snapshot.communities[id] != nil else { throw APIError.notFound("no community \(id)") }
            communities = [id]
        }
        return try await database.slaReport(from: from, to: to, by: grouping, communities: communities, now: clock.now())
    }

    @Sendable func photo(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let query = request.uri.queryParameters
        guard links.verify(id, expires: query.get("exp"), signature: query.get("sig"), now: clock.now()), let data = await photos.data(of: id)
        else { throw APIError.notFound("no such photo, or the link has expired") }
        return Response(
            status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=900"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The report named in the path, if this responder may see it (otherwise 404: its existence is not theirs to know).
    private func visible(_ context: WhistleRequestContext, _ responder: Responder) async throws -> ReportView {
        let number = context.parameters.get("number") ?? ""
        guard let view = try await actions.visible(number, to: responder) else { throw APIError.notFound("report \(number) not found") }
        return view
    }

    private func note(_ request: Request, _ context: WhistleRequestContext) async throws -> String {
        let body = try await Self.decode(NoteBody.self, request, context)
        guard let note = body.note.flatMap(ResponderActions.cleanNote), !note.isEmpty else { throw APIError.badRequest("'note' is required: say what was done, in at most 1000 characters") }
        return note
    }

    /// A `community` query parameter: a whole number 1 … 2³¹−1, as the document says.
    static func communityID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), (1...Int64(Int32.max)).contains(id) else {
            throw APIError.badRequest("'community' is a community id such as 2")
        }
        return id
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: WhistleRequestContext) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch {
            throw APIError.badRequest("the body must be JSON such as {\"note\": \"…\"}")
        }
    }

    private func act(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError {
            throw APIError(error)
        }
    }
}

extension WhistleRequestContext {
    func requireResponder() throws -> Responder {
        guard let responder else { throw APIError.unauthorized("send Authorization: Bearer TOKEN") }
        return responder
    }
}
