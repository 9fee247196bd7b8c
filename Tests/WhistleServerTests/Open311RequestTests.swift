import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhistleCore
@testable import WhistleServer
import WhistleStore
import WhistleTestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Open311 filing and following (#18): POST requests, GET requests, requests/{id}, tokens/{id}, in JSON and XML.
@Suite("Open311 requests")
struct Open311RequestTests {
    private struct Answer {
        var status: HTTPResponse.Status
        var body: String
        var headers: HTTPFields
        var list: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? [] }
        var first: [String: Any] { list.first ?? [:] }
        /// The spec's error list's first code and description.
        var error: (code: Int?, description: String) { (first["code"] as? Int, first["description"] as? String ?? "") }
    }

    private func get(_ client: some TestClientProtocol, _ path: String) async throws -> Answer {
        let response = try await client.execute(uri: "/open311/v2/" + path, method: .get)
        return Answer(status: response.status, body: String(buffer: response.body), headers: response.headers)
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func post(_ client: some TestClientProtocol, _ fields: [(String, String)], format: String = "json", raw: String? = nil) async throws -> Answer {
        let body = raw ?? fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        let response = try await client.execute(
            uri: "/open311/v2/requests.\(format)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
        return Answer(status: response.status, body: String(buffer: response.body), headers: response.headers)
    }

    private func filing(_ key: String, point: String = "statue-south-gate", code: String = "water", description: String = "下水道冒水")
        -> [(String, String)]
    {
        [("api_key", key), ("service_code", code), ("attribute[point]", point), ("description", description)]
    }

    #if canImport(FoundationXML)
    private func xml(_ text: String, _ path: String) throws -> [String] {
        try XMLDocument(data: Data(text.utf8)).nodes(forXPath: path).map { $0.stringValue ?? "" }
    }
    #endif

    // MARK: Tests

    @Test("the default window works with a clock that moves between reads, as the real one does")
    func defaultWindowOnAMovingClock() async throws {
        let database = try await seededDatabase()
        let clock = TickingClock()
        _ = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: "h"), at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            let answer = try await get(client, "requests.json")
            #expect(answer.status == .ok && answer.list.count == 1, "\(answer.body)")
        }
    }

    @Test("filing: 200 with the request id and notice, the same ladder as a resident's report, and the source in the timeline")
    func file() async throws {
        let database = try await seededDatabase()
        let clock = ManualClock()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        try await testApp(database, clock: clock).test(.router) { client in
            let answer = try await post(
                client,
                filing(key) + [
                    ("phone", "13800000009"), ("first_name", "Li"), ("last_name", "Ming"), ("email", "li@example.org"),
                    ("account_id", "acc-7"), ("device_id", "dev-1"), ("media_url", "https://city.example/m/1.jpg"),
                ])
            #expect(answer.status == .ok && answer.headers[.contentType] == "application/json; charset=utf-8")
            let number = try #require(answer.first["service_request_id"] as? String)
            #expect(answer.first["service_notice"] as? String == "晨宇社区承诺10分钟内有人接单")
            #expect(answer.first["account_id"] as? String == "acc-7")
            let view = try #require(try await database.reportView(number: number))
            #expect(view.report.phone == "13800000009" && view.report.status == .open)
            #expect(view.events.first?.detail["via"] == "open311:city311")
            // The ladder is the resident's: the same steps as a report made through the store for the same point.
            let resident = try await database.createReport(
                ReportDraft(pointID: "statue-south-gate", category: "fire", description: "楼道堆物", statusKeyHash: "h"), at: clock.now())
            let ours = try await database.outbox(reportID: try #require(view.report.id)).map { "\($0.responderID)/\($0.step)/\($0.dueAt.timeIntervalSince(view.report.createdAt))" }
            let theirs = try await database.outbox(reportID: try #require(resident.report.id)).map { "\($0.responderID)/\($0.step)/\($0.dueAt.timeIntervalSince(resident.report.createdAt))" }
            #expect(!ours.isEmpty && ours == theirs)
            #if canImport(FoundationXML)
            let text = try await post(client, filing(key, point: "station-guard-north", code: "road"), format: "xml")
            #expect(text.status == .ok && text.headers[.contentType] == "text/xml; charset=utf-8")
            #expect(try xml(text.body, "/service_requests/request/service_request_id").count == 1)
            #expect(try xml(text.body, "/service_requests/request/account_id") == [""])
            #endif
            // address_id alone names the point too.
            let byAddress = try await post(client, [("api_key", key), ("service_code", "dispute"), ("address_id", "merchant-pharmacy"), ("description", "楼上漏水吵架")])
            #expect(byAddress.status == .ok)
        }
        let listed = try await database.integrations()
        #expect(listed.first?.filed == 3)
    }

    @Test("refusals: each with the spec's code and a sentence saying why, nothing stored")
    func refusals() async throws {
        let database = try await seededDatabase { withPartTime($0) }
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        let revoked = try await database.issueIntegrationKey(name: "old", communities: [1]).key
        try await database.revokeIntegration(name: "old")
        try await testApp(database).test(.router) { client in
            func refused(_ fields: [(String, String)], _ status: HTTPResponse.Status, _ words: String, raw: String? = nil) async throws {
                for format in ["json", "xml"] {
                    let answer = try await post(client, fields, format: format, raw: raw)
                    #expect(answer.status == status, "\(fields) \(format): \(answer.body)")
                    if format == "json" { #expect(answer.error.code == Int(status.code) && answer.error.description.contains(words), "\(fields): \(answer.body)") }
                    #if canImport(FoundationXML)
                    if format == "xml" {
                        #expect(try xml(answer.body, "/errors/error/code") == [String(status.code)])
                        #expect(try xml(answer.body, "/errors/error/description").first?.contains(words) == true, "\(fields): \(answer.body)")
                    }
                    #endif
                }
            }
            try await refused(Array(filing(key).dropFirst()), .forbidden, "api_key is required")
            try await refused(filing("o311_nope"), .forbidden, "not valid")
            try await refused(filing(revoked), .forbidden, "not valid")
            try await refused(filing(key, code: "nope"), .badRequest, "service_code 'nope'")
            try await refused([("api_key", key), ("service_code", "water"), ("lat", "39.9"), ("long", "116.4"), ("description", "x")], .badRequest, "lat/long")
            try await refused([("api_key", key), ("service_code", "water"), ("address_string", "南门"), ("description", "x")], .badRequest, "address_string alone")
            try await refused(filing(key, point: "hx-nowhere"), .badRequest, "not a point of 晨宇社区")
            try await refused(filing(key, point: "grid:g1"), .badRequest, "is a grid")
            try await refused(filing(key) + [("address_id", "merchant-pharmacy")], .badRequest, "different points")
            try await refused(filing(key, description: String(repeating: "水", count: 4001)), .badRequest, "longer than 4000")
            try await refused(filing(key, description: "  "), .badRequest, "description is required")
            try await refused(Array(filing(key).dropLast()), .badRequest, "description is required")
            try await refused(filing(key) + [("lat", "abc"), ("long", "116.4")], .badRequest, "lat must be a number")
            try await refused(filing(key) + [("lat", "39.9"), ("long", "200")], .badRequest, "long must be a number")
            try await refused(filing(key, description: "看 <script>alert(1)</script>"), .badRequest, "HTML")
            try await refused(filing(key) + [("phone", "12345")], .badRequest, "phone")
            try await refused(filing(key) + [("email", "not an email")], .badRequest, "email")
            try await refused(filing(key) + [("media_url", "javascript:alert(1)")], .badRequest, "media_url")
            try await refused(filing(key) + [("first_name", String(repeating: "名", count: 51))], .badRequest, "first_name")
            try await refused(filing(key) + [("attribute[color]", "red")], .badRequest, "unknown attribute")
            try await refused(filing(key) + [("service_code", "fire")], .badRequest, "more than once")
            try await refused([], .badRequest, "not valid", raw: "api_key=%FF")
            // 4001 characters is refused, 4000 and `温度<5度` pass.
            #expect(try await post(client, filing(key, description: String(repeating: "水", count: 4000))).status == .ok)
            #expect(try await post(client, filing(key, point: "merchant-pharmacy", description: "温度<5度，暖气不热")).status == .ok)
            // FixMyStreet sends the place beside the point: checked, then filed at the point.
            let placed = try await post(
                client, filing(key, point: "station-guard-north", description: "a < b and c > d") + [("lat", "39.9"), ("long", "116.4"), ("address_string", "北门")])
            #expect(placed.status == .ok, "\(placed.body)")
            let multipartBody = try await client.execute(
                uri: "/open311/v2/requests.json", method: .post, headers: .multipart(), body: multipart(filing(key)))
            #expect(multipartBody.status == .badRequest && String(buffer: multipartBody.body).contains("media as media_url"))
            let huge = try await post(client, [], raw: "api_key=\(key)&description=" + String(repeating: "a", count: 70_000))
            #expect(huge.status == .contentTooLarge && huge.error.code == 413)
        }
        // Only the three good ones were stored.
        #expect(try await database.integrations().first { $0.name == "city311" }?.filed == 3)
    }

    @Test("bad input never gets a 5xx")
    func neverAServerError() async throws {
        let database = try await seededDatabase()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        try await testApp(database).test(.router) { client in
            for raw in ["%FF", "a=%", "attribute[point][]=x", "=", "&&&", "api_key=\(key)&attribute%5Bpoint%5D=%00", "api_key=\(key)&description=%E6%B0"] {
                let answer = try await post(client, [], raw: raw)
                #expect(answer.status.code < 500 && answer.status.code >= 400, "\(raw): \(answer.status)")
            }
            for query in [
                "page=-1", "page=0", "page_size=99999", "page_size=x", "start_date=x", "end_date=2026-13-45",
                "start_date=2026-11-20&end_date=2026-11-01", "start_date=2026-01-01&end_date=2026-11-01", "status=pending",
                "service_request_id=" + String(repeating: "1,", count: 1001),
            ] {
                let answer = try await get(client, "requests.json?" + query)
                #expect(answer.status == .badRequest && answer.error.code == 400, "\(query): \(answer.body)")
            }
            #expect(try await get(client, "requests/nope.json").status == .notFound)
            #expect(try await get(client, "tokens/nope.xml").status == .notFound)
        }
    }

    @Test("the status walk: taken and whistled are open with notes, resolved is closed at the resolve time")
    func statusWalk() async throws {
        let database = try await seededDatabase()
        let clock = ManualClock()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        let zhao = try await database.issueToken(responderID: "r-zhao")
        try await testApp(database, clock: clock).test(.router) { client in
            let number = try #require(try await post(client, filing(key)).first["service_request_id"] as? String)
            var request = try await get(client, "requests/\(number).json").first
            #expect(request["status"] as? String == "open" && request["status_notes"] as? String == "待接单（承诺10分钟内有人接单）")
            #expect(request["agency_responsible"] as? String == "晨宇社区" && request["service_name"] as? String == "漏水 / 下水堵塞")
            #expect(request["address"] as? String == "红哨塑像（南门） · 晨宇小区南门")
            #expect(request["address_id"] as? String == "statue-south-gate" && request["media_url"] is NSNull && request["zipcode"] is NSNull)
            let created = clock.now()
            #expect(request["requested_datetime"] as? String == Open311Date.format(created))
            #expect(request["expected_datetime"] as? String == Open311Date.format(created.addingTimeInterval(600)))
            for field in ["phone", "email", "first_name", "ack_by", "found_by"] { #expect(request[field] == nil) }

            clock.advance(120)
            let ack = try await client.execute(uri: "/api/v1/reports/\(number)/ack", method: .post, headers: [.authorization: "Bearer \(zhao)"])
            #expect(ack.status == .ok)
            request = try await get(client, "requests/\(number).json").first
            #expect(request["status"] as? String == "open" && request["status_notes"] as? String == "网格员已接单")
            #expect(request["updated_datetime"] as? String == Open311Date.format(clock.now()))

            clock.advance(60)
            let whistledAt = clock.now()
            try await database.whistle(number: number, by: "r-zhao", to: "d-property", note: "管道破裂", at: whistledAt)
            request = try await get(client, "requests/\(number).json").first
            #expect(request["status"] as? String == "open" && request["status_notes"] as? String == "已吹哨：交红色物业处理")
            #expect(request["agency_responsible"] as? String == "红色物业")
            #expect(request["expected_datetime"] as? String == Open311Date.format(whistledAt.addingTimeInterval(600)))

            clock.advance(60)
            try await database.acknowledge(number: number, by: "d-property", at: clock.now())
            request = try await get(client, "requests/\(number).json?lang=en").first
            #expect(request["status_notes"] as? String == "Whistled to 红色物业; 红色物业 reported in")

            clock.advance(3600)
            let resolved = try await database.resolve(number: number, by: "r-zhao", note: "已更换管道", at: clock.now())
            request = try await get(client, "requests/\(number).json").first
            #expect(request["status"] as? String == "closed" && request["status_notes"] as? String == "已办结：已更换管道")
            #expect(request["updated_datetime"] as? String == Open311Date.format(try #require(resolved.resolvedAt)))
            #expect(request["expected_datetime"] is NSNull)

            let extended = try await get(client, "requests/\(number).json?extensions=true").first
            let attributes = try #require(extended["extended_attributes"] as? [String: Any])
            #expect(attributes["whistle_status"] as? String == "resolved" && attributes["number"] as? String == number)
            let timeline = try #require(attributes["timeline"] as? [[String: Any]])
            #expect(timeline.first?["kind"] as? String == "created" && timeline.last?["kind"] as? String == "resolved")
            #expect(timeline.last?["note"] as? String == "已更换管道")
            #expect(!(String(describing: attributes).contains("r-zhao")) && !String(describing: attributes).contains("赵"))
            #if canImport(FoundationXML)
            let text = try await get(client, "requests/\(number).xml?extensions=true")
            #expect(try xml(text.body, "/service_requests/request/status") == ["closed"])
            #expect(try xml(text.body, "/service_requests/request/extended_attributes/timeline/event/kind").first == "created")
            #endif
        }
    }

    @Test("GET requests: the id list overrides the window, codes and states filter, paging; a rating moves nothing; one element is one <request>")
    func filters() async throws {
        let database = try await seededDatabase()
        let clock = ManualClock()
        let start = clock.now()
        // Three reports: 91 days ago (outside the default window), then two today.
        let old = try await database.createReport(
            ReportDraft(pointID: "station-guard-north", category: "road", description: "旧的", statusKeyHash: "h"), at: start.addingTimeInterval(-91 * 86400))
        let water = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: "h"), at: start.addingTimeInterval(-60))
        let noise = try await database.createReport(
            ReportDraft(pointID: "merchant-pharmacy", category: "dispute", description: "楼上漏水吵架", statusKeyHash: "h"), at: start.addingTimeInterval(-30))
        try await database.acknowledge(number: noise.report.number, by: "r-zhao", at: start)
        _ = try await database.resolve(number: noise.report.number, by: "r-zhao", note: "好了", at: start)
        // A rating later does not move updated_datetime: it changes neither the state nor the notes.
        try await database.rate(number: noise.report.number, keyHash: "h", rating: 9, note: nil, at: start.addingTimeInterval(300))
        try await testApp(database, clock: clock).test(.router) { client in
            func ids(_ query: String) async throws -> [String] {
                let answer = try await get(client, "requests.json" + query)
                #expect(answer.status == .ok, "\(query): \(answer.body)")
                return answer.list.compactMap { $0["service_request_id"] as? String }
            }
            #expect(try await ids("") == [noise.report.number, water.report.number])
            let rated = try await get(client, "requests/\(noise.report.number).json").first
            #expect(rated["updated_datetime"] as? String == Open311Date.format(start) && rated["status"] as? String == "closed")
            #expect(try await ids("?service_request_id=\(old.report.number),\(water.report.number)") == [water.report.number, old.report.number])
            #expect(try await ids("?service_code=water,road") == [water.report.number])
            #expect(try await ids("?service_code=" + Array(repeating: "nope", count: 5000).joined(separator: ",")) == [])
            let today = String(Open311Date.format(start).prefix(10))
            #expect(try await ids("?start_date=\(today)&end_date=\(today)") == [noise.report.number, water.report.number])
            #expect(try await ids("?status=open") == [water.report.number])
            #expect(try await ids("?status=closed") == [noise.report.number])
            #expect(try await ids("?status=open,closed&page=2&page_size=1") == [water.report.number])
            #expect(try await ids("?start_date=\(Open311Date.format(start.addingTimeInterval(-92 * 86400)))") == [old.report.number])
            #expect(try await ids("?end_date=\(Self.encode(Open311Date.format(start.addingTimeInterval(-45))))") == [water.report.number])
            #if canImport(FoundationXML)
            let one = try await get(client, "requests.xml?service_request_id=\(water.report.number)")
            #expect(try xml(one.body, "/service_requests/request").count == 1)
            #expect(try xml(one.body, "/service_requests/request/service_request_id") == [water.report.number])
            let tokenXML = try await get(client, "tokens/\(water.report.number).xml")
            #expect(try xml(tokenXML.body, "/service_requests/request/token") == [water.report.number])
            #endif
            let token = try await get(client, "tokens/\(water.report.number).json")
            #expect(token.first["service_request_id"] as? String == water.report.number && token.first["token"] as? String == water.report.number)
        }
    }

    @Test("a duplicate is linked, pages no one, and follows its original")
    func duplicate() async throws {
        let database = try await seededDatabase()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        try await testApp(database).test(.router) { client in
            let first = try #require(try await post(client, filing(key)).first["service_request_id"] as? String)
            let again = try await post(client, filing(key, description: "又冒水了"))
            let second = try #require(again.first["service_request_id"] as? String)
            #expect(again.first["service_notice"] as? String == "与 \(first) 为同一问题，随其处理")
            let view = try #require(try await database.reportView(number: second))
            let steps = try await database.outbox(reportID: try #require(view.report.id))
            #expect(view.report.status == .duplicate && steps.isEmpty)
            let request = try await get(client, "requests/\(second).json").first
            #expect(request["status"] as? String == "open")
            #expect(request["status_notes"] as? String == "与 \(first) 为同一问题，随其处理；待接单（承诺10分钟内有人接单）")
        }
    }

    @Test("no personal data: names, email and phone never appear; a mobile number in the text is masked")
    func privacy() async throws {
        let database = try await seededDatabase()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        try await testApp(database).test(.router) { client in
            let number = try #require(
                try await post(
                    client,
                    filing(key, description: "请回电13800000009") + [
                        ("phone", "13900000001"), ("first_name", "Lilian"), ("email", "lilian@example.org"), ("device_id", "dev-xyz"),
                    ]
                ).first["service_request_id"] as? String)
            for path in ["requests.json", "requests.xml", "requests/\(number).json?extensions=true", "requests/\(number).xml?extensions=true"] {
                let body = try await get(client, path).body
                for secret in ["13800000009", "13900000001", "Lilian", "lilian@example.org", "dev-xyz"] {
                    #expect(!body.contains(secret), "\(path) shows \(secret)")
                }
                #expect(body.contains("138****0009"))
            }
            // Responders see where it came from; the name and email only whoever took it, as the phone.
            func api(_ token: String) async throws -> [String: Any] {
                let response = try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: [.authorization: "Bearer \(token)"])
                return (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
            }
            let zhao = try await database.issueToken(responderID: "r-zhao")
            let li = try await database.issueToken(responderID: "r-li")
            let before = try await api(li)
            #expect(before["via"] as? String == "open311:city311" && before["reporter"] == nil && before["number"] as? String == number)
            _ = try await client.execute(uri: "/api/v1/reports/\(number)/ack", method: .post, headers: [.authorization: "Bearer \(zhao)"])
            let taker = try await api(zhao)["reporter"] as? [String: Any]
            #expect(taker?["name"] as? String == "Lilian" && taker?["email"] as? String == "lilian@example.org")
            let other = try await api(li)
            #expect(other["reporter"] == nil && other["status"] as? String == "acknowledged")
        }
    }

    @Test("per key: past the burst a 429 with Retry-After; another key is not held back")
    func keyLimit() async throws {
        let database = try await seededDatabase()
        let first = try await database.issueIntegrationKey(name: "a", communities: [1]).key
        let second = try await database.issueIntegrationKey(name: "b", communities: [1]).key
        var config = ServerConfig()
        config.limits.perIntegration = .init(burst: 2, refillSeconds: 6)
        try await testApp(database, config: config).test(.router) { client in
            #expect(try await post(client, filing(first)).status == .ok)
            #expect(try await post(client, filing(first, point: "merchant-pharmacy")).status == .ok)
            let third = try await post(client, filing(first, point: "station-guard-north"))
            #expect(third.status == .tooManyRequests && third.headers[.retryAfter] == "6" && third.error.code == 429)
            #expect(try await post(client, filing(second, point: "station-guard-north")).status == .ok)
        }
    }

    @Test("a street: jurisdiction picks the community, a key files only where it is scoped, nothing leaks across")
    func street() async throws {
        let (database, _) = try await streetSeeded()
        let key = try await database.issueIntegrationKey(name: "city311", communities: [1]).key
        try await testApp(database).test(.router) { client in
            // A key scoped to one community needs no jurisdiction_id.
            let number = try #require(try await post(client, filing(key)).first["service_request_id"] as? String)
            let foreign = try await post(client, filing(key, point: "hx-statue-square") + [("jurisdiction_id", "2")])
            #expect(foreign.status == .forbidden && foreign.body.contains("华信社区"))
            let wrongPoint = try await post(client, filing(key, point: "hx-statue-square") + [("jurisdiction_id", "1")])
            #expect(wrongPoint.status == .badRequest)
            let missing = try await get(client, "requests.json")
            #expect(missing.status == .badRequest && missing.body.contains("2 (华信社区)"))
            #expect(try await get(client, "requests.json?jurisdiction_id=1").list.count == 1)
            #expect(try await get(client, "requests.json?jurisdiction_id=2").list.isEmpty)
            #expect(try await get(client, "requests/\(number).xml?jurisdiction_id=2").status == .notFound)
            #expect(try await get(client, "tokens/\(number).json?jurisdiction_id=2").status == .notFound)
            #expect(try await get(client, "requests/\(number).json?jurisdiction_id=1").status == .ok)
        }
    }
}
