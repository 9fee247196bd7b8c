import Foundation
import Hummingbird
import WhistleCore

/// Chinese first; English with `?lang=en` (or the form's hidden `lang` field).
enum Language: String, Sendable {
    case zh
    case en

    init(request: Request) {
        self = request.uri.queryParameters.get("lang") == "en" ? .en : .zh
    }

    var catalogue: [String: String] { self == .en ? Catalogue.english : Catalogue.chinese }

    /// A catalogue string with `{0}`, `{1}`… replaced.
    func text(_ key: String, _ arguments: String...) -> String {
        var value = catalogue[key] ?? key
        for (index, argument) in arguments.enumerated() {
            value = value.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return value
    }

    /// `?lang=en` to carry the language through links and redirects; empty for Chinese.
    var query: String { self == .en ? "lang=en" : "" }

    func kindLabel(_ kind: PointKind) -> String { text("kind_\(kind.rawValue)") }

    func roleLabel(_ role: Role) -> String { text("role_\(role.rawValue)") }

    /// The base of every page's template context: every string, prefixed `t_`, and the language.
    var pageContext: [String: Any] {
        var context: [String: Any] = Dictionary(uniqueKeysWithValues: catalogue.map { ("t_" + $0.key, $0.value) })
        context["lang"] = rawValue
        context["isEnglish"] = self == .en
        return context
    }
}
