import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// The page a resident lands on after scanning a plaque.
struct PointController: Sendable {
    let database: AppDatabase
    let pages: Pages
    let clock: any WallClock

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        group.get(":code", use: show)
    }

    @Sendable func show(_ request: Request, context: some RequestContext) async throws -> Response {
        let language = Language(request: request)
        let code = context.parameters.get("code") ?? ""
        guard case .active(let point) = try await database.lookup(code: code), let community = try await database.community() else {
            return pages.render("not_found", language.strings.notFoundPage, status: .notFound)
        }
        try await database.countScan(pointID: point.id, at: clock.now())
        var page = language.strings.pointPage
        page["lang"] = language.rawValue
        page["community"] = community.name
        page["name"] = point.name
        page["kind"] = language.strings.kindLabel(point.kind)
        page["address"] = point.address ?? ""
        page["services"] = point.services
        page["hasServices"] = !point.services.isEmpty
        page["categories"] = community.categories.map { ["id": $0.id, "label": $0.label] }
        return pages.render("point", page)
    }
}
