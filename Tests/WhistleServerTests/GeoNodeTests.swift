import Foundation
import HTTPTypes
import Hummingbird
import Testing
@testable import WhistleServer

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The Open311 encoders (#18): one answer, two formats, always well-formed.
@Suite("Open311 encoders")
struct GeoNodeTests {
    let one = GeoDocument(
        root: "service_requests",
        node: .list(item: "request", [.object([("service_request_id", .text("20261125-0042")), ("status_notes", .text(nil)), ("lat", .number(39.9)), ("count", .integer(3)), ("metadata", .bool(true))])]))

    @Test("a list with one element is still a list in both formats; a missing value is an empty element or null")
    func oneElement() throws {
        #expect(one.json() == #"[{"service_request_id":"20261125-0042","status_notes":null,"lat":39.9,"count":3,"metadata":true}]"#)
        #expect(one.xml() == #"<?xml version="1.0" encoding="utf-8"?><service_requests><request><service_request_id>20261125-0042</service_request_id><status_notes/><lat>39.9</lat><count>3</count><metadata>true</metadata></request></service_requests>"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(one.json().utf8)) as? [[String: Any]]
        #expect(parsed?[0]["service_request_id"] as? String == "20261125-0042")
    }

    @Test("any stored text makes a well-formed document: markup, quotes, controls, emoji")
    func escaping() throws {
        let nasty = "温度<5度 & \"引号\" 'x' ]]> \u{7}\u{1}铃 😀\n第二行"
        let document = GeoDocument(root: "errors", node: .list(item: "error", [.object([("code", .integer(400)), ("description", .text(nasty))])]))
        #expect(document.xml().contains("温度&lt;5度 &amp; &quot;引号&quot; &apos;x&apos; ]]&gt; 铃 😀\n第二行"))
        let json = try JSONSerialization.jsonObject(with: Data(document.json().utf8)) as? [[String: Any]]
        #expect(json?[0]["description"] as? String == nasty)
        #if canImport(FoundationXML)
        let xml = try XMLDocument(data: Data(document.xml().utf8))
        #expect(try xml.nodes(forXPath: "/errors/error/description").first?.stringValue == nasty.replacingOccurrences(of: "\u{7}\u{1}", with: ""))
        #expect(try xml.nodes(forXPath: "/errors/error/code").first?.stringValue == "400")
        #endif
    }

    @Test("errors are the spec's list with the HTTP status; formats come from the suffix")
    func errorsAndFormats() {
        let response = Open311Error.notFound("service_code 'nope' not found").response(.json)
        #expect(response.status == .notFound && response.headers[.contentType] == "application/json; charset=utf-8")
        #expect(GeoFormat.split("20261125-0042.json")! == ("20261125-0042", .json))
        #expect(GeoFormat.split("services.XML")! == ("services", .xml))
        #expect(GeoFormat.split("requests") == nil && GeoFormat.split("requests.csv") == nil)
    }

    @Test("dates are W3C with Shanghai's offset; inputs with any offset, fractions or a bare day")
    func dates() {
        let instant = Date(timeIntervalSince1970: 1_764_032_400)  // 2025-11-25T01:00:00Z
        #expect(Open311Date.format(instant) == "2025-11-25T09:00:00+08:00")
        #expect(Open311Date.parse("2025-11-25T01:00:00Z") == instant)
        #expect(Open311Date.parse("2025-11-25T09:00:00+08:00") == instant)
        #expect(Open311Date.parse("2025-11-25T01:00:00.000Z") == instant)
        #expect(Open311Date.parse("2025-11-25") == Date(timeIntervalSince1970: 1_764_000_000))
        #expect(Open311Date.parse("yesterday") == nil)
    }
}
