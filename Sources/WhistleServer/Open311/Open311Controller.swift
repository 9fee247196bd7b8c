import Foundation
import HTTPTypes
import Hummingbird
import WhistleCore
import WhistleStore

/// Open311 GeoReport v2 under `/open311/v2` (#18): what a city's 311 back-end, FixMyStreet or a civic app reads to file
/// into a community. This part serves discovery, the service list (one service per category) and each service's
/// definition, whose one required attribute is the point (plaque) the report is about. Every answer is XML or JSON by
/// the path's suffix; every error is the spec's list, never a 5xx for bad input.
struct Open311Controller: Sendable {
    let database: AppDatabase

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

    /// The community `jurisdiction_id` names: optional in a one-community deployment, required with several.
    func jurisdiction(_ request: Request) async throws -> CommunityInfo {
        let communities = try await database.snapshot().communityList
        guard let raw = request.uri.queryParameters.get("jurisdiction_id"), !raw.isEmpty else {
            if communities.count == 1 { return communities[0] }
            throw Open311Error.badRequest(
                "jurisdiction_id is required here: " + communities.map { "\($0.id) (\($0.name))" }.joined(separator: ", "))
        }
        guard let id = Int64(raw), let community = communities.first(where: { $0.id == id }) else {
            throw Open311Error.notFound("no jurisdiction '\(raw.prefix(20))' here")
        }
        return community
    }
}
