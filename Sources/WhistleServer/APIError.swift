import Foundation
import HTTPTypes
import Hummingbird
import WhistleStore

/// An API failure as `application/problem+json` (RFC 9457): a status, a short title, a sentence of detail.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var title: String
    var detail: String

    static func unauthorized(_ detail: String) -> APIError { APIError(status: .unauthorized, title: "Unauthorized", detail: detail) }
    static func forbidden(_ detail: String) -> APIError { APIError(status: .forbidden, title: "Not allowed", detail: detail) }
    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, title: "Not found", detail: detail) }
    static func conflict(_ detail: String) -> APIError { APIError(status: .conflict, title: "Conflict", detail: detail) }
    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, title: "Bad request", detail: detail) }

    /// Store errors as the API reports them: an illegal transition is a conflict.
    init(_ error: StoreError) {
        switch error {
        case .notFound(let what): self = .notFound("\(what) not found")
        case .notAllowed(let why): self = .conflict(why)
        case .forbidden(let why): self = .forbidden(why)
        case .replayed: self = .conflict("already submitted")
        case .unusable: self = APIError(status: .serviceUnavailable, title: "Unavailable", detail: "the database is unavailable")
        }
    }

    init(status: HTTPResponse.Status, title: String, detail: String) {
        self.status = status
        self.title = title
        self.detail = detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"whistle\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `Authorization: Bearer TOKEN` → the responder, or a 401 problem.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = WhistleRequestContext
    let database: AppDatabase

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized("send Authorization: Bearer TOKEN") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].count <= 200 else {
            throw APIError.unauthorized("send Authorization: Bearer TOKEN")
        }
        guard let responder = try await database.responder(token: String(parts[1])) else {
            throw APIError.unauthorized("the token is unknown or revoked")
        }
        var context = context
        context.responder = responder
        return try await next(request, context)
    }
}
