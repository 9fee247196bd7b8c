import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The resident pages' templates, loaded once at start-up: a missing or broken template stops the server there.
struct Pages: Sendable {
    let library: MustacheLibrary
    static let required = ["layout", "point", "status", "message", "r_inbox", "r_report", "r_login", "r_signin", "r_new", "point_mine"]

    static func load() async throws -> Pages {
        let directory = try ServerResources.directory().appendingPathComponent("Templates").path
        let library = try await MustacheLibrary(directory: directory)
        for name in required where library.getTemplate(named: name) == nil {
            throw PagesError.missing("template \(name).mustache in \(directory)")
        }
        return Pages(library: library)
    }

    /// An HTML answer; `context` values are escaped by the templates (`{{x}}`).
    func render(_ name: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Self.response(html(name, context), status: status)
    }

    func html(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]

    /// A short page that says what happened and, where it helps, links back to the form.
    func message(
        _ language: Language, title: String, body: String, link: String? = nil, linkText: String? = nil, status: HTTPResponse.Status
    ) -> Response {
        var context = language.pageContext
        context["title"] = language.text(title)
        context["body"] = language.text(body)
        if let link { context["link"] = link }
        if let linkText { context["linkText"] = language.text(linkText) }
        return render("message", context, status: status)
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
