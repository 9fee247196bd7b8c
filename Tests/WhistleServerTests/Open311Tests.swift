import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhistleCore
import WhistleServer
import WhistleStore
import WhistleTestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Open311 GeoReport v2's read routes (#18): discovery, services, a service's definition, in XML and JSON.
@Suite("Open311 discovery and services")
struct Open311Tests {
    private func get(_ client: some TestClientProtocol, _ path: String) async throws -> (status: HTTPResponse.Status, body: String, type: String?) {
        let response = try await client.execute(uri: "/open311/v2/" + path, method: .get)
        return (response.status, String(buffer: response.body), response.headers[.contentType])
    }

    private func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    #if canImport(FoundationXML)
    private func xml(_ text: String, _ path: String) throws -> [String] {
        try XMLDocument(data: Data(text.utf8)).nodes(forXPath: path).map { $0.stringValue ?? "" }
    }
    #endif

    @Test("services: one per category with every field, in JSON (an array) and XML")
    func services() async throws {
        let database = try await seededDatabase()
        try await testApp(database).test(.router) { client in
            let answer = try await get(client, "services.json")
            #expect(answer.status == .ok && answer.type == "application/json; charset=utf-8")
            let list = try #require(json(answer.body) as? [[String: Any]])
            #expect(list.count == 8)
            #expect(list[0]["service_code"] as? String == "water" && list[0]["service_name"] as? String == "漏水 / 下水堵塞")
            #expect(list[0]["metadata"] as? Bool == true && list[0]["type"] as? String == "realtime" && list[0]["group"] as? String == "晨宇社区")
            #expect(list[0]["keywords"] as? String == "漏水,下水堵塞" && list[0]["description"] as? String == "漏水 / 下水堵塞")
            let text = try await get(client, "services.xml")
            #expect(text.status == .ok && text.type == "text/xml; charset=utf-8")
            #if canImport(FoundationXML)
            #expect(try xml(text.body, "/services/service/service_code").count == 8)
            #expect(try xml(text.body, "/services/service[1]/metadata") == ["true"])
            #endif
        }
    }

    @Test("a service's definition: the required point attribute lists the community's active plaques only")
    func definition() async throws {
        let database = try await seededDatabase { withPartTime($0) }
        try await testApp(database).test(.router) { client in
            let answer = try await get(client, "services/water.json")
            let object = try #require(json(answer.body) as? [String: Any])
            #expect(object["service_code"] as? String == "water")
            let attribute = try #require((object["attributes"] as? [[String: Any]])?.first)
            #expect(attribute["code"] as? String == "point" && attribute["datatype"] as? String == "singlevaluelist")
            #expect(attribute["required"] as? Bool == true && attribute["variable"] as? Bool == true && attribute["order"] as? Int == 1)
            #expect(attribute.keys.contains("datatype_description"))
            let keys = (attribute["values"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
            #expect(keys == ["merchant-pharmacy", "station-guard-north", "station-service-centre", "statue-south-gate"])
            #if canImport(FoundationXML)
            let text = try await get(client, "services/water.xml")
            #expect(try xml(text.body, "/service_definition/attributes/attribute/values/value/key").count == 4)
            #expect(try xml(text.body, "/service_definition/attributes/attribute/datatype_description") == [""])
            #endif
            for format in ["json", "xml"] {
                let unknown = try await get(client, "services/nope.\(format)")
                #expect(unknown.status == .notFound && unknown.body.contains("service_code") && unknown.body.contains("nope"))
            }
            let parsed = try #require(json(try await get(client, "services/nope.json").body) as? [[String: Any]])
            #expect(parsed[0]["code"] as? Int == 404)
        }
    }

    @Test("discovery names the endpoint and both formats; unknown paths are the spec's 404")
    func discovery() async throws {
        let database = try await seededDatabase()
        try await testApp(database).test(.router) { client in
            let object = try #require(json(try await get(client, "discovery.json").body) as? [String: Any])
            #expect(object["changeset"] is String && object["contact"] as? String == "晨宇社区" && object["key_service"] is String)
            let endpoint = try #require((object["endpoints"] as? [[String: Any]])?.first)
            #expect(endpoint["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoint["url"] as? String == "http://127.0.0.1:8080/open311/v2" && endpoint["type"] as? String == "production")
            #expect(endpoint["formats"] as? [String] == ["text/xml", "application/json"])
            #if canImport(FoundationXML)
            #expect(try xml(try await get(client, "discovery.xml").body, "/discovery/endpoints/endpoint/formats/format") == ["text/xml", "application/json"])
            #endif
            let missing = try await get(client, "nothing/here.json")
            #expect(missing.status == .notFound && (json(missing.body) as? [[String: Any]])?.first?["code"] as? Int == 404)
            #expect(try await get(client, "services.csv").status == .notFound)
        }
    }

    @Test("jurisdiction_id picks the community where there are several")
    func jurisdiction() async throws {
        let (database, _) = try await streetSeeded()
        try await testApp(database).test(.router) { client in
            let missing = try await get(client, "services.json")
            #expect(missing.status == .badRequest && missing.body.contains("1 (晨宇社区)") && missing.body.contains("2 (华信社区)"))
            let second = try #require(json(try await get(client, "services.json?jurisdiction_id=2").body) as? [[String: Any]])
            #expect(second.allSatisfy { $0["group"] as? String == "华信社区" })
            #expect(try await get(client, "services.xml?jurisdiction_id=9").status == .notFound)
            #expect(try await get(client, "services.xml?jurisdiction_id=x").status == .notFound)
        }
    }
}
