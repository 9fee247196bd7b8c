import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The resident pages' templates, loaded once at start-up: a missing or broken template stops the server there.
struct Pages: Sendable {
    let library: MustacheLibrary
    static let required = ["point", "not_found"]

    static func load() async throws -> Pages {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw PagesError.missing("Templates folder")
        }
        let library = try await MustacheLibrary(directory: directory)
        for name in required where library.getTemplate(named: name) == nil {
            throw PagesError.missing("template \(name).mustache in \(directory)")
        }
        return Pages(library: library)
    }

    /// An HTML answer; `context` values are escaped by the templates (`{{x}}`).
    func render(_ name: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(context, withTemplate: name) ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

enum PagesError: Error, CustomStringConvertible {
    case missing(String)
    var description: String {
        switch self {
        case .missing(let what): "cannot start: \(what) is missing"
        }
    }
}
