import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One Open311 answer, written once and rendered as XML (required by GeoReport v2) or JSON (the spec's mapping of the
/// XML), so the two formats cannot drift. Keys keep their order, as the spec lists them.
indirect enum GeoNode: Sendable, Equatable {
    /// A value; nil is an empty element in XML and `null` in JSON.
    case text(String?)
    case number(Double?)
    case bool(Bool)
    case object([(String, GeoNode)])
    /// A list: in XML, each item is an element named `item`; in JSON, an array (a single element stays an array).
    case list(item: String, [GeoNode])

    static func == (a: GeoNode, b: GeoNode) -> Bool {
        switch (a, b) {
        case (.text(let x), .text(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.list(let i, let x), .list(let j, let y)): i == j && x == y
        default: false
        }
    }

    static func integer(_ value: Int?) -> GeoNode { .number(value.map(Double.init)) }
}

/// A whole answer: its root element's name (XML) and its node.
struct GeoDocument: Sendable {
    var root: String
    var node: GeoNode

    func xml() -> String {
        var out = #"<?xml version="1.0" encoding="utf-8"?>"#
        Self.element(root, node, into: &out)
        return out
    }

    func json() -> String {
        var out = ""
        Self.json(node, into: &out)
        return out
    }

    func response(_ format: GeoFormat, status: HTTPResponse.Status = .ok) -> Response {
        let body = format == .xml ? xml() : json()
        return Response(
            status: status,
            headers: [
                .contentType: format == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8",
                // Civic-tech clients run in browsers too; the answers are public, as the spec intends.
                .accessControlAllowOrigin: "*",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func element(_ name: String, _ node: GeoNode, into out: inout String) {
        switch node {
        case .text(let value):
            out += value.map { "<\(name)>\(escape($0))</\(name)>" } ?? "<\(name)/>"
        case .number(let value):
            out += value.map { "<\(name)>\(number($0))</\(name)>" } ?? "<\(name)/>"
        case .bool(let value):
            out += "<\(name)>\(value)</\(name)>"
        case .object(let fields):
            out += "<\(name)>"
            for (key, value) in fields { element(key, value, into: &out) }
            out += "</\(name)>"
        case .list(let item, let items):
            out += "<\(name)>"
            for value in items { element(item, value, into: &out) }
            out += "</\(name)>"
        }
    }

    private static func json(_ node: GeoNode, into out: inout String) {
        switch node {
        case .text(let value): out += value.map(quoted) ?? "null"
        case .number(let value): out += value.map(number) ?? "null"
        case .bool(let value): out += value ? "true" : "false"
        case .object(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                out += quoted(key) + ":"
                json(value, into: &out)
            }
            out += "}"
        case .list(_, let items):
            out += "["
            for (index, value) in items.enumerated() {
                if index > 0 { out += "," }
                json(value, into: &out)
            }
            out += "]"
        }
    }

    /// Whole numbers without a fraction; others as Swift prints them (shortest round-trip form).
    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// XML text: the five special characters escaped, and characters XML 1.0 forbids (most controls, lone surrogates,
    /// U+FFFE/U+FFFF) dropped, so that any stored text gives a well-formed document.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xD800...0xDFFF).contains(v) || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A JSON string: quotes, backslashes and control characters escaped; the rest as UTF-8.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// The answer's format, from the path's suffix.
enum GeoFormat: String, Sendable {
    case xml
    case json

    /// `requests/20261125-0042.json` → ("20261125-0042", .json); nil without a known suffix.
    static func split(_ file: String) -> (name: String, format: GeoFormat)? {
        guard let dot = file.lastIndex(of: "."), let format = GeoFormat(rawValue: String(file[file.index(after: dot)...]).lowercased()) else {
            return nil
        }
        return (String(file[..<dot]), format)
    }
}

/// The spec's error answer: a list of `{code, description}` in the requested format, with the matching HTTP status.
struct Open311Error: Error, Sendable {
    var status: HTTPResponse.Status
    var description: String
    /// Seconds until a refused client may try again (429).
    var retryAfter: Int?

    static func badRequest(_ description: String) -> Open311Error { Open311Error(status: .badRequest, description: description) }
    static func forbidden(_ description: String) -> Open311Error { Open311Error(status: .forbidden, description: description) }
    static func notFound(_ description: String) -> Open311Error { Open311Error(status: .notFound, description: description) }

    func response(_ format: GeoFormat) -> Response {
        var response = GeoDocument(
            root: "errors",
            node: .list(item: "error", [.object([("code", .integer(Int(status.code))), ("description", .text(description))])])
        ).response(format, status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// W3C dates with an offset, in Shanghai time (`2026-11-25T09:00:00+08:00`); inputs with any offset or `Z`, with or without
/// fractions of a second, or a bare `YYYY-MM-DD` (Shanghai midnight).
enum Open311Date {
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        if text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil {
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text + "T00:00:00+08:00")
        }
        return nil
    }
}
