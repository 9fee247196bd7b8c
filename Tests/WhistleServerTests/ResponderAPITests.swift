import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhistleCore
import WhistleServer
import WhistleStore

private func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

private func json(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
}

private func list(_ response: TestResponse) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]) ?? []
}

private let statueReport = ReportDraft(
    pointID: "statue-south-gate", category: "water", description: "下水道冒水", phone: "13800000009", statusKeyHash: "h")

@Suite("Responder API")
struct ResponderAPITests {
    @Test("no token, a bad token, a revoked token: 401 problem+json")
    func auth() async throws {
        let database = try await apiDatabase()
        let token = try await database.issueToken(responderID: "r-zhao")
        let revoked = try await database.issueToken(responderID: "r-qian")
        try await database.revokeTokens(responderID: "r-qian")
        try await testApp(database).test(.router) { client in
            for headers in [HTTPFields(), bearer("wh_nope"), bearer(revoked), [.authorization: "Basic eDp5"]] {
                let response = try await client.execute(uri: "/api/v1/reports", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(json(response)["status"] as? Int == 401)
                #expect((json(response)["detail"] as? String)?.isEmpty == false)
            }
            let ok = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token))
            #expect(ok.status == .ok)
            #expect(json(ok)["id"] as? String == "r-zhao")
        }
    }

    @Test("scopes: a worker sees their grids, leaders and the secretary all, a department what was whistled to it")
    func scopes() async throws {
        let database = try await apiDatabase()
        _ = try await database.createReport(statueReport, at: Date())
        var issued: [String: String] = [:]
        for id in ["r-zhao", "r-sun", "r-li", "r-shang", "d-city"] { issued[id] = try await database.issueToken(responderID: id) }
        let tokens = issued
        try await testApp(database).test(.router) { client in
            func count(_ id: String) async throws -> Int {
                list(try await client.execute(uri: "/api/v1/reports", method: .get, headers: bearer(tokens[id]!))).count
            }
            #expect(try await count("r-zhao") == 1)
            #expect(try await count("r-li") == 1)
            #expect(try await count("r-shang") == 1)
            #expect(try await count("r-sun") == 0)
            #expect(try await count("d-city") == 0)
            let number = try #require(try await database.reports(in: Scope(responder: Responder(id: "x", name: "x", role: .secretary), gridIDs: []), filter: .init()).first?.report.number)
            let hidden = try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: bearer(tokens["r-sun"]!))
            #expect(hidden.status == .notFound)
            let denied = try await client.execute(uri: "/api/v1/reports/\(number)/ack", method: .post, headers: bearer(tokens["r-sun"]!))
            #expect(denied.status == .notFound)
            // Whistled to d-city, it appears in the department's list.
            try await database.acknowledge(number: number, by: "r-zhao", at: Date())
            try await database.whistle(number: number, by: "r-zhao", to: "d-city", note: "塌陷", at: Date())
            #expect(try await count("d-city") == 1)
        }
    }

    @Test("a whistle or a reopening through the API wakes the dispatcher: the department is paged now, not at the idle tick")
    func actionsWakeTheDispatcher() async throws {
        let database = try await apiDatabase()
        let number = try await database.createReport(statueReport, at: ManualClock().now().addingTimeInterval(-60)).report.number
        let zhao = try await database.issueToken(responderID: "r-zhao")
        let wakes = WakeCounter()
        try await testApp(database, notifier: { wakes.wake() }).test(.router) { client in
            func post(_ path: String, _ body: String = "{}") async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/v1/reports/\(number)/\(path)", method: .post, headers: bearer(zhao), body: ByteBuffer(string: body)).status
            }
            let status1 = try await post("ack")
            #expect(status1 == .ok)
            let before = wakes.value
            let status2 = try await post("whistle", #"{"to":"d-city","note":"路面塌陷"}"#)
            #expect(status2 == .ok)
            #expect(wakes.value == before + 1)
            let status3 = try await post("resolve", #"{"note":"修好了"}"#)
            #expect(status3 == .ok)
            let resolved = wakes.value
            let status4 = try await post("reopen", #"{"note":"又坏了"}"#)
            #expect(status4 == .ok)
            #expect(wakes.value == resolved + 1)
            // A refused action plans nothing and wakes nobody.
            let status5 = try await post("reopen", #"{"note":"x"}"#)
            #expect(status5 == .conflict)
            #expect(wakes.value == resolved + 1)
        }
    }

    @Test("deadline_at is the promise as the dispatcher keeps it: moved with the schedule after a clock step")
    func deadlineFollowsTheSchedule() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let created = try await database.createReport(statueReport, at: clock.now())
        let zhao = try await database.issueToken(responderID: "r-zhao")
        // A clock step of ten minutes moved this open promise (as `shiftSchedule` does); every reader must show the same.
        try await database.write { tx in
            try tx.execute("UPDATE report SET promise_due_at = ? WHERE id = ?", [clock.now().addingTimeInterval(1200), created.report.id])
        }
        try await testApp(database, clock: clock).test(.router) { client in
            let shown = json(try await client.execute(uri: "/api/v1/reports/\(created.report.number)", method: .get, headers: bearer(zhao)))
            let deadline = try #require(shown["deadline_at"] as? String)
            #expect(deadline == ISO8601DateFormatter().string(from: clock.now().addingTimeInterval(1200)))
        }
    }

    @Test("every transition, and every refused one with 409")
    func transitions() async throws {
        let database = try await apiDatabase()
        // Before the app's clock: the actions below happen at its time.
        let created = try await database.createReport(statueReport, at: ManualClock().now().addingTimeInterval(-60))
        let number = created.report.number
        let zhao = try await database.issueToken(responderID: "r-zhao")
        let qian = try await database.issueToken(responderID: "r-qian")
        let city = try await database.issueToken(responderID: "d-city")
        let li = try await database.issueToken(responderID: "r-li")
        try await testApp(database).test(.router) { client in
            func post(_ path: String, _ token: String, _ body: String = "{}") async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/reports/\(number)/\(path)", method: .post, headers: bearer(token), body: ByteBuffer(string: body))
            }
            // Resolve before ack: refused, the promise clock stops only at an ack.
            #expect(try await post("resolve", li, #"{"note":"修好了"}"#).status == .conflict)
            let ack = try await post("ack", zhao)
            #expect(ack.status == .ok)
            #expect(json(ack)["status"] as? String == "acknowledged")
            #expect(json(ack)["phone"] as? String == "13800000009")
            let again = try await post("ack", qian)
            #expect(again.status == .conflict)
            #expect(json(again)["title"] as? String == "Conflict")
            // Another worker sees the phone masked.
            let seen = try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: bearer(qian))
            #expect(json(seen)["phone"] as? String == "138****0009")
            // Only the taker (or a leader) may whistle; to a department only; a note is required.
            #expect(try await post("whistle", qian, #"{"to":"d-city","note":"x"}"#).status == .forbidden)
            #expect(try await post("whistle", zhao, #"{"to":"r-qian","note":"x"}"#).status == .conflict)
            #expect(try await post("whistle", zhao, #"{"to":"d-city"}"#).status == .badRequest)
            #expect(try await post("whistle", zhao, #"{"to":"d-nowhere","note":"x"}"#).status == .notFound)
            #expect(try await post("whistle", zhao, "not json").status == .badRequest)
            let whistled = try await post("whistle", zhao, #"{"to":"d-city","note":"路面塌陷需城管处理"}"#)
            #expect(whistled.status == .ok)
            #expect(json(whistled)["whistled_to"] as? String == "d-city")
            // The department reports in (its ack), once.
            let reportIn = try await post("ack", city)
            #expect(reportIn.status == .ok)
            #expect(json(reportIn)["reported_in_at"] != nil)
            #expect(try await post("ack", city).status == .conflict)
            #expect(try await post("resolve", zhao).status == .badRequest)
            #expect(try await post("resolve", city, #"{"note":"已回填路面"}"#).status == .ok)
            #expect(try await post("resolve", zhao, #"{"note":"again"}"#).status == .conflict)
            #expect(try await post("ack", zhao).status == .conflict)
            #expect(try await post("reopen", qian, #"{"note":"x"}"#).status == .forbidden)
            let reopened = try await post("reopen", zhao, #"{"note":"又塌了"}"#)
            #expect(reopened.status == .ok)
            #expect(json(reopened)["status"] as? String == "acknowledged")
            let detail = json(try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: bearer(zhao)))
            let kinds = (detail["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds == ["created", "acknowledged", "whistled", "reported_in", "resolved", "reopened"])
            let actors = (detail["timeline"] as? [[String: Any]] ?? []).compactMap { $0["actor"] as? String }
            #expect(actors == ["resident", "r-zhao", "r-zhao", "d-city", "d-city", "r-zhao"])
        }
    }

    @Test("an unknown report is a 404 problem")
    func unknown() async throws {
        let database = try await apiDatabase()
        let token = try await database.issueToken(responderID: "r-li")
        try await testApp(database).test(.router) { client in
            for uri in ["/api/v1/reports/20990101-0001", "/api/v1/reports/nonsense"] {
                let response = try await client.execute(uri: uri, method: .get, headers: bearer(token))
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let bad = try await client.execute(uri: "/api/v1/reports?status=weird", method: .get, headers: bearer(token))
            #expect(bad.status == .badRequest)
        }
    }

    @Test("photos: a signed link works for 15 minutes, then not; a forged one never")
    func photoLinks() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let token = try await database.issueToken(responderID: "r-zhao")
        try await testApp(database, clock: clock).test(.router) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let submitted = try await client.execute(
                uri: "/p/\(statue.code)", method: .post, headers: .multipart(),
                body: multipart([("category", "water"), ("description", "有照片"), ("website", ""), ("form_token", formToken(String(buffer: form.body)) ?? "")],
                    photo: try phoneJPEG(width: 120, height: 90, marker: "GPS")))
            #expect(submitted.status == .seeOther)
            let detail = json(try await client.execute(uri: "/api/v1/reports/20261123-0001", method: .get, headers: bearer(token)))
            let link = try #require((detail["photos"] as? [String])?.first)
            let photo = try await client.execute(uri: link, method: .get)
            #expect(photo.status == .ok)
            #expect(photo.headers[.contentType] == "image/jpeg")
            #expect(try await client.execute(uri: link.replacingOccurrences(of: "sig=", with: "sig=0"), method: .get).status == .notFound)
            clock.advance(16 * 60)
            #expect(try await client.execute(uri: link, method: .get).status == .notFound)
        }
    }

    @Test("the OpenAPI document lists exactly the routes under /api/v1")
    func openAPI() async throws {
        let database = try await apiDatabase()
        let router = try await buildRouter(config: ServerConfig(), database: database)
        let routes = Set(router.routes.map { "\($0.method) \($0.path)" }.filter { $0.contains("/api/v1/") }.map { route in
            route.replacingOccurrences(of: #":([a-z]+)"#, with: "{$1}", options: .regularExpression)
        })
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        let yaml = try String(contentsOf: root.appendingPathComponent("Sources/WhistleServer/openapi.yaml"), encoding: .utf8)
        var documented = Set<String>()
        var path: String?
        for line in yaml.split(separator: "\n") {
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            if line.hasPrefix("components:") { path = nil }
            if let path, let method = ["get", "post", "put", "delete", "patch"].first(where: { line.hasPrefix("    \($0):") }) {
                documented.insert("\(method.uppercased()) /api/v1\(path)")
            }
        }
        #expect(routes == documented, "in the router only: \(routes.subtracting(documented)); in the document only: \(documented.subtracting(routes))")
        let token = try await database.issueToken(responderID: "r-zhao")
        try await testApp(database).test(.router) { client in
            #expect(try await client.execute(uri: "/api/openapi.yaml", method: .get).status == .unauthorized, "not for the public")
            let served = try await client.execute(uri: "/api/openapi.yaml", method: .get, headers: bearer(token))
            #expect(served.status == .ok)
            #expect(String(buffer: served.body) == yaml)
        }
        // An independent validator reads the document as a client generator would (it once parsed an unquoted ": " in a
        // description into stray keys). `make deps` installs openapi-spec-validator from PyPI.
        let validator = Process()
        validator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        validator.arguments = ["python3", "-m", "openapi_spec_validator", root.appendingPathComponent("Sources/WhistleServer/openapi.yaml").path]
        let output = Pipe()
        validator.standardOutput = output
        validator.standardError = output
        try validator.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        validator.waitUntilExit()
        #expect(validator.terminationStatus == 0, "openapi-spec-validator (pip install openapi-spec-validator, or make deps): \(text)")
    }
}

@Suite("Responder API: SLA, plaque checks, metrics")
struct ResponderAPIExtrasTests {
    @Test("GET /api/v1/sla is for leaders and the secretary, and checks its parameters")
    func sla() async throws {
        let database = try await seededDatabase()
        _ = try await database.createReport(statueReport, at: ManualClock().now().addingTimeInterval(-60))
        let leader = try await database.issueToken(responderID: "r-li")
        let worker = try await database.issueToken(responderID: "r-zhao")
        try await testApp(database).test(.router) { client in
            let ok = try await client.execute(uri: "/api/v1/sla?from=20261123&to=20261123&by=grid", method: .get, headers: bearer(leader))
            #expect(ok.status == .ok)
            #expect((json(ok)["overall"] as? [String: Any])?["reports"] as? Int == 1)
            #expect((json(ok)["groups"] as? [[String: Any]])?.count == 1)
            #expect(try await client.execute(uri: "/api/v1/sla?from=20261123&to=20261123", method: .get, headers: bearer(worker)).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/sla?from=2026&to=20261123", method: .get, headers: bearer(leader)).status == .badRequest)
            #expect(try await client.execute(uri: "/api/v1/sla?from=20261123&to=20261123&by=mood", method: .get, headers: bearer(leader)).status == .badRequest)
        }
    }

    @Test("POST /api/v1/plaques/check judges codes and records genuine ones for a leader")
    func plaqueCheck() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let leader = try await database.issueToken(responderID: "r-li")
        let worker = try await database.issueToken(responderID: "r-zhao")
        try await testApp(database).test(.router) { client in
            let body = #"{"codes":["http://127.0.0.1:8080/p/\#(statue.code)","https://evil.example/x"],"record":true,"taken_at":"2026-11-20T02:00:00Z","photo":"a.jpg"}"#
            let response = try await client.execute(uri: "/api/v1/plaques/check", method: .post, headers: bearer(leader), body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let verdicts = (try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]) ?? []
            #expect(verdicts.map { $0["verdict"] as? String } == ["genuine", "foreign"])
            #expect(try await database.lastVerified()["statue-south-gate"] == ISO8601DateFormatter().date(from: "2026-11-20T02:00:00Z"))
            #expect(try await client.execute(uri: "/api/v1/plaques/check", method: .post, headers: bearer(worker), body: ByteBuffer(string: body)).status == .forbidden)
        }
    }

    @Test("/metrics counts reports, acks within the promise and time to ack")
    func metrics() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let token = try await database.issueToken(responderID: "r-zhao")
        let clock = ManualClock()
        // Over real loopback TCP: /metrics answers the server's own host only.
        try await testApp(database, clock: clock).test(.live) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            _ = try await client.execute(
                uri: "/p/\(statue.code)", method: .post, headers: .multipart(),
                body: multipart([("category", "water"), ("description", "漏水"), ("website", ""), ("form_token", formToken(String(buffer: form.body)) ?? "")]))
            clock.advance(125)
            #expect(try await client.execute(uri: "/api/v1/reports/20261123-0001/ack", method: .post, headers: bearer(token)).status == .ok)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("whistle_reports_total 1"))
            #expect(text.contains(#"whistle_acks_total{within_promise="true"} 1"#))
            #expect(text.contains(#"whistle_time_to_ack_seconds_bucket{le="180.0"} 1"#) || text.contains(#"whistle_time_to_ack_seconds_bucket{le="180"} 1"#), "\(text)")
            #expect(text.contains("# TYPE whistle_breaches_total counter"))
        }
    }

    @Test("the live feed ends within a heartbeat once its token is revoked")
    func feedEndsOnRevocation() async throws {
        let database = try await seededDatabase()
        try await testApp(database).test(.router) { client in
            // The revocation must land after the stream opened; on a loaded machine the request may be slow to arrive (a
            // 401 then), so the scenario is tried again with a longer head start.
            for delay in [300, 2000, 4000] {
                let token = try await database.issueToken(responderID: "r-zhao")
                let revoker = Task {
                    try await Task.sleep(for: .milliseconds(delay))
                    try await database.revokeTokens(responderID: "r-zhao")
                }
                // The whole response: before, the stream never ended for a revoked token.
                let response = try await withThrowingTaskGroup(of: TestResponse?.self) { group in
                    group.addTask { try await client.execute(uri: "/api/v1/events", method: .get, headers: bearer(token)) }
                    group.addTask {
                        try await Task.sleep(for: .seconds(20))
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                _ = try await revoker.value
                let ended = try #require(response, "the feed was still open 20 s after the revocation")
                if ended.status == .unauthorized { continue }
                #expect(ended.status == .ok)
                #expect(String(buffer: ended.body).contains("event: revoked"))
                return
            }
            Issue.record("the stream never opened before its token was revoked")
        }
    }

    @Test("/metrics refuses the public behind the proxy, and hosts not named with --metrics-from")
    func metricsNotPublic() async throws {
        let database = try await seededDatabase()
        let behindProxy = ServerConfig(trustedProxies: ["127.0.0.1"], metricsFrom: ["198.51.100.7"])
        try await testApp(database, config: behindProxy).test(.live) { client in
            let forwarded: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]
            let public_ = try await client.execute(uri: "/metrics", method: .get, headers: forwarded)
            #expect(public_.status == .forbidden)
            let monitoring: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.7"]
            let scraper = try await client.execute(uri: "/metrics", method: .get, headers: monitoring)
            #expect(scraper.status == .ok)
            // The proxy's own host (no forwarded client) may read it.
            let local = try await client.execute(uri: "/metrics", method: .get)
            #expect(local.status == .ok)
        }
    }
}
