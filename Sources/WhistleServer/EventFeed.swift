import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import WhistleCore
import WhistleStore

/// `GET /api/v1/events`: server-sent events of every change to reports this responder may see.
///
/// Fed from the append-only event table, so changes made by another process (a CLI on the same file,
/// the dispatcher) appear too, and `Last-Event-ID` resumes exactly where a dropped connection stopped.
struct EventFeed: Sendable {
    let database: AppDatabase
    let logger: Logger
    var poll: Duration = .milliseconds(500)
    /// Also how soon a vanished client is noticed: a write to a closed connection fails.
    var heartbeat: Duration = .seconds(5)

    struct Payload: Encodable {
        var id: Int64
        var number: String
        var kind: String
        var at: Date
        var actor: String?
        var status: String
        var point: String
        var grid: String
        /// The report's community: a department or the street follows several.
        var community: Int64
        var community_name: String
        var category: String
        /// True when this responder is among those the event concerns (notified, taken by them, whistled to them).
        var mine: Bool
    }

    @Sendable func stream(_ request: Request, context: WhistleRequestContext) async throws -> Response {
        let responder = try context.requireResponder()
        let initialScope = try await database.scope(for: responder)
        // The bearer token the middleware accepted: checked again while the stream is open, so revoking it (or
        // deactivating its responder) ends the feed within a heartbeat instead of at the next reconnect.
        let token = request.headers[.authorization].map { String($0.split(separator: " ", maxSplits: 1).last ?? "") } ?? ""
        let start = try await database.feedStart(resuming: request.headers[HTTPField.Name("Last-Event-ID")!].flatMap(Int64.init))
        let database = self.database
        let poll = self.poll
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            var cursor = start
            var quiet = Duration.zero
            var scope = initialScope
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            // A server shutting down ends open streams within a poll; clients reconnect with Last-Event-ID.
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let batch = try await database.events(after: cursor)
                // Community names from the catalogue, read once a batch rather than once an event.
                let communities = batch.isEmpty ? [:] : try await database.snapshot().communities
                for item in batch {
                    cursor = item.event.id ?? cursor
                    guard let view = try await database.reportView(number: item.number),
                        scope.allows(view.report, gridID: item.gridID)
                    else { continue }
                    let mine = item.event.detail["responder"] == responder.id || item.event.actor == responder.id
                        || view.report.whistledTo == responder.id || view.report.ackBy == responder.id
                    let payload = Payload(
                        id: cursor, number: item.number, kind: item.event.kind.rawValue, at: item.event.at, actor: item.event.actor,
                        status: view.report.status.rawValue, point: view.point.name, grid: item.gridID, community: view.report.communityID,
                        community_name: communities[view.report.communityID]?.name ?? "",
                        category: view.report.category,
                        mine: mine)
                    let json = String(decoding: try encoder.encode(payload), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "id: \(cursor)\nevent: \(item.event.kind)\ndata: \(json)\n\n"))
                    quiet = .zero
                }
                if batch.isEmpty {
                    try await Task.sleep(for: poll)
                    quiet += poll
                    if quiet >= heartbeat {
                        guard let current = try await database.responder(token: token), current.id == responder.id else {
                            try await writer.write(ByteBuffer(string: "event: revoked\ndata: {}\n\n"))
                            break
                        }
                        // A re-import may have moved the responder to other grids or another role.
                        scope = try await database.scope(for: current)
                        // Proxies drop idle connections; a comment line keeps it open and tells the client we are alive.
                        try await writer.write(ByteBuffer(string: ": ping\n\n"))
                        quiet = .zero
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }
}
