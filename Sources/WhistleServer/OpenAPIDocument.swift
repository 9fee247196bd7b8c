import Foundation
import Hummingbird

/// The OpenAPI 3.1 document of `/api/v1`, shipped with the server and kept in the repository beside it.
struct OpenAPIDocument: Sendable {
    let text: String

    static func load() throws -> OpenAPIDocument {
        let url = try ServerResources.directory().appendingPathComponent("openapi.yaml")
        return OpenAPIDocument(text: try String(contentsOf: url, encoding: .utf8))
    }

    func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
