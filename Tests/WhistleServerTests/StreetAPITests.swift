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

private func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

private func object(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
}

private func numbers(_ response: TestResponse) -> Set<String> {
    let list = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]) ?? []
    return Set(list.compactMap { $0["number"] as? String })
}

/// The street fixture with one report in each community: `a` on 晨宇's statue, `b` on 华信's, both whistled to d-city.
private func street() async throws -> (AppDatabase, a: String, b: String, tokens: [String: String]) {
    let (database, _) = try await streetSeeded()
    let now = Date()
    let a = try await database.createReport(
        ReportDraft(pointID: "statue-south-gate", category: "water", description: "冒水", statusKeyHash: "a"), at: now).report.number
    let b = try await database.createReport(
        ReportDraft(pointID: "hx-statue-square", category: "heating", description: "不热", statusKeyHash: "b"), at: now).report.number
    var tokens: [String: String] = [:]
    for id in ["r-zhao", "r-li", "r-shang", "hx-wang", "hx-sun", "s-duty", "d-city", "d-water"] {
        tokens[id] = try await database.issueToken(responderID: id)
    }
    return (database, a, b, tokens)
}

@Suite("The API across a street's communities")
struct StreetAPITests {
    @Test("lists, pages and actions stay inside each one's scope; reports name their community")
    func scopes() async throws {
        let (database, a, b, tokens) = try await street()
        try await testApp(database).test(.router) { client in
            func listed(_ id: String, _ query: String = "") async throws -> Set<String> {
                numbers(try await client.execute(uri: "/api/v1/reports\(query)", method: .get, headers: bearer(tokens[id]!)))
            }
            #expect(try await listed("r-zhao") == [a])
            #expect(try await listed("r-shang") == [a], "a secretary sees their own community only")
            #expect(try await listed("hx-sun") == [b])
            #expect(try await listed("s-duty") == [a, b])
            #expect(try await listed("s-duty", "?community=2") == [b])
            #expect(try await listed("d-city").isEmpty)
            // 晨宇's people get 404 on 华信's report, to read or to act.
            for id in ["r-zhao", "r-li", "r-shang"] {
                #expect(try await client.execute(uri: "/api/v1/reports/\(b)", method: .get, headers: bearer(tokens[id]!)).status == .notFound)
                #expect(try await client.execute(uri: "/api/v1/reports/\(b)/ack", method: .post, headers: bearer(tokens[id]!)).status == .notFound)
            }
            let shown = object(try await client.execute(uri: "/api/v1/reports/\(b)", method: .get, headers: bearer(tokens["s-duty"]!)))
            #expect((shown["community"] as? [String: Any])?["name"] as? String == "华信社区")
            #expect(shown["category_label"] as? String == "供暖", "the label of the report's own community")
            // Both secretaries' communities whistle to the one shared department, which reports in to each.
            for (number, taker) in [(a, "r-zhao"), (b, "hx-sun")] {
                let ack = try await client.execute(uri: "/api/v1/reports/\(number)/ack", method: .post, headers: bearer(tokens[taker]!))
                #expect(ack.status == .ok)
                let whistle = try await client.execute(
                    uri: "/api/v1/reports/\(number)/whistle", method: .post, headers: bearer(tokens[taker]!),
                    body: ByteBuffer(string: #"{"to":"d-city","note":"请处理"}"#))
                #expect(whistle.status == .ok)
            }
            #expect(try await listed("d-city") == [a, b])
            #expect(try await listed("d-water").isEmpty)
            for number in [a, b] {
                #expect(try await client.execute(uri: "/api/v1/reports/\(number)/ack", method: .post, headers: bearer(tokens["d-city"]!)).status == .ok)
            }
            let me = object(try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(tokens["s-duty"]!)))
            #expect(me["role"] as? String == "street" && me["community"] == nil)
            #expect((me["communities"] as? [[String: Any]])?.count == 2)
            let worker = object(try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(tokens["hx-wang"]!)))
            #expect((worker["community"] as? [String: Any])?["id"] as? Int == 2)
        }
    }

    @Test("the SLA over the API: a leader reads their community, the street any or all side by side")
    func sla() async throws {
        let (database, _, _, tokens) = try await street()
        try await testApp(database).test(.router) { client in
            func get(_ id: String, _ query: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/sla?from=20260101&to=20991231\(query)", method: .get, headers: bearer(tokens[id]!))
            }
            let own = try await get("r-shang", "")
            #expect(own.status == .ok)
            #expect(object(own)["community"] as? String == "晨宇社区")
            #expect((object(own)["overall"] as? [String: Any])?["reports"] as? Int == 1)
            #expect(try await get("r-shang", "&community=2").status == .forbidden)
            #expect(try await get("hx-wang", "").status == .forbidden)
            let all = try await get("s-duty", "&by=community")
            #expect(all.status == .ok)
            #expect((object(all)["communities"] as? [[String: Any]])?.map { $0["name"] as? String } == ["晨宇社区", "华信社区"])
            #expect(try await get("s-duty", "&community=9").status == .notFound)
            #expect(try await get("s-duty", "&community=x").status == .badRequest)
        }
    }

    @Test("the live feed carries a responder's own community's events only, replayed from Last-Event-ID included")
    func feed() async throws {
        let (database, a, b, tokens) = try await street()
        try await database.acknowledge(number: b, by: "hx-wang", at: Date())
        try await testApp(database).test(.router) { client in
            // The stream ends when its token is revoked: the whole replay is then in the body.
            func replay(_ id: String) async throws -> String {
                let revoker = Task {
                    // On PostgreSQL the feed shows an event once no older transaction of the cluster is still open (at
                    // most 10 s later): another test's open write can hold it back. Wait until the feed's own query
                    // shows both reports' events, then give the stream a second to send them.
                    for _ in 0..<150 {
                        let numbers = Set(try await database.events(after: 0).map(\.number))
                        if numbers.isSuperset(of: [a, b]) { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    try await Task.sleep(for: .seconds(1))
                    try await database.revokeTokens(responderID: id)
                }
                var headers = bearer(tokens[id]!)
                headers[HTTPField.Name("Last-Event-ID")!] = "0"
                let response = try await client.execute(uri: "/api/v1/events", method: .get, headers: headers)
                _ = try await revoker.value
                return String(buffer: response.body)
            }
            let zhao = try await replay("r-zhao")
            #expect(zhao.contains("\"number\":\"\(a)\"") && !zhao.contains("\"number\":\"\(b)\""), "\(zhao)")
            let street = try await replay("s-duty")
            #expect(street.contains("\"number\":\"\(a)\"") && street.contains("\"number\":\"\(b)\""))
            #expect(street.contains("\"community\":2"))
        }
    }

    @Test("a point's page and a report's status page name their own community and offer its categories")
    func pages() async throws {
        let (database, _) = try await streetSeeded()
        let point = try #require(try await database.point(id: "hx-statue-square"))
        try await testApp(database).test(.router) { client in
            let page = String(buffer: try await client.execute(uri: "/p/\(point.code)", method: .get).body)
            #expect(page.contains("华信社区") && !page.contains("晨宇社区"))
            #expect(page.contains("供暖"), "华信's own category")
            #expect(!page.contains("电梯"), "晨宇's category is not offered on 华信's plaque")
        }
        let created = try await database.createReport(
            ReportDraft(pointID: point.id, category: "heating", description: "不热", statusKeyHash: Secret.hash("k")), at: Date())
        try await testApp(database).test(.router) { client in
            let status = String(buffer: try await client.execute(uri: "/t/\(created.report.number)?k=k", method: .get).body)
            #expect(status.contains("华信社区") && status.contains("供暖"))
        }
        // Taken by the street's duty officer: the resident reads the role, in words (not a catalogue key).
        try await database.acknowledge(number: created.report.number, by: "s-duty", at: Date())
        try await testApp(database).test(.router) { client in
            for (query, role) in [("k=k", "街道"), ("k=k&lang=en", "street office")] {
                let status = String(buffer: try await client.execute(uri: "/t/\(created.report.number)?\(query)", method: .get).body)
                #expect(status.contains(role) && !status.contains("role_"), "\(status)")
            }
        }
    }
}
