import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhistleCore
import WhistleServer
import WhistleStore

/// A report of a leak at the statue, filed at `at`; its number.
private func leak(_ database: AppDatabase, at: Date) async throws -> String {
    try await database.createReport(
        ReportDraft(pointID: "statue-south-gate", category: "water", description: "下水道冒水", statusKeyHash: "h"), at: at
    ).report.number
}

/// The actions posted from a phone: the API's rules and refusals, CSRF, and what the resident sees after each step.
@Suite("Phone actions")
struct PhoneActionsTests {
    @Test("every transition and every refusal, as the API answers them; the resident's page follows each step")
    func transitions() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let key = "resident-key"
        let created = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "下水道冒水", phone: "13800000009", statusKeyHash: Secret.hash(key)),
            at: clock.now().addingTimeInterval(-60))
        let number = created.report.number
        let wakes = WakeCounter()
        try await testApp(database, clock: clock, notifier: wakes.wake).test(.router) { client in
            var phones: [String: SignedInPhone] = [:]
            var tokens: [String: String] = [:]
            for id in ["r-zhao", "r-qian", "d-city", "r-li"] {
                let phone = try await signIn(id, database, client, at: clock.now())
                phones[id] = phone
                tokens[id] = csrfToken(String(buffer: try await client.execute(uri: "/r", method: .get, headers: phone.headers).body))
            }
            func post(_ action: String, _ id: String, _ fields: [(String, String)] = []) async throws -> TestResponse {
                try await client.execute(
                    uri: "/r/\(number)/\(action)", method: .post, headers: phones[id]!.form, body: formBody([("csrf", tokens[id]!)] + fields))
            }
            func resident() async throws -> String {
                String(buffer: try await client.execute(uri: "/t/\(number)?k=\(key)", method: .get).body)
            }
            // Resolve before anyone took it: 409, worded.
            let early = try await post("resolve", "r-li", [("note", "修好了")])
            #expect(early.status == .conflict)
            #expect(String(buffer: early.body).contains("请先接单"))
            let ack = try await post("ack", "r-zhao")
            #expect(ack.status == .seeOther)
            #expect(ack.headers[.location] == "/r/\(number)")
            #expect(try await resident().contains("网格员已接单"))
            let again = try await post("ack", "r-qian")
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("已被赵网格员接单"))
            // Whistle: only the taker or a leader; a department from the list; a note.
            let notMine = try await post("whistle", "r-qian", [("to", "d-city"), ("note", "x")])
            #expect(notMine.status == .forbidden)
            #expect(String(buffer: notMine.body).contains("请先接单，或请网格长吹哨"))
            let notDepartment = try await post("whistle", "r-zhao", [("to", "r-qian"), ("note", "x")])
            #expect(notDepartment.status == .unprocessableContent)
            #expect(String(buffer: notDepartment.body).contains("请选择一个部门"))
            let noNote = try await post("whistle", "r-zhao", [("to", "d-city"), ("note", " ")])
            #expect(noNote.status == .unprocessableContent)
            #expect(String(buffer: noNote.body).contains("请写说明"))
            #expect(String(buffer: noNote.body).contains(#"value="d-city" required checked"#))
            let unknown = try await post("whistle", "r-zhao", [("to", "d-nowhere"), ("note", "x")])
            #expect(unknown.status == .unprocessableContent)
            let typed = try await post("resolve", "r-zhao", [("note", String(repeating: "长", count: 1001))])
            #expect(typed.status == .unprocessableContent)
            #expect(String(buffer: typed.body).contains(String(repeating: "长", count: 1001)))
            let wakesBefore = wakes.value
            let whistled = try await post("whistle", "r-zhao", [("to", "d-city"), ("note", "路面塌陷需城管处理")])
            #expect(whistled.status == .seeOther)
            #expect(wakes.value == wakesBefore + 1)
            #expect(try await resident().contains("已吹哨：交城管委处理"))
            // The department reports in, once.
            #expect(try await post("ack", "d-city").status == .seeOther)
            #expect(try await resident().contains("城管委已报到"))
            let twice = try await post("ack", "d-city")
            #expect(twice.status == .conflict)
            #expect(String(buffer: twice.body).contains("城管委已报到过了"))
            #expect(try await post("resolve", "d-city", [("note", "已回填路面")]).status == .seeOther)
            let page = try await resident()
            #expect(page.contains("已办结") && page.contains("已回填路面"))
            #expect(try await post("resolve", "r-zhao", [("note", "again")]).status == .conflict)
            #expect(try await post("ack", "r-zhao").status == .conflict)
            let reopenOther = try await post("reopen", "r-qian", [("note", "x")])
            #expect(reopenOther.status == .forbidden)
            #expect(try await post("reopen", "r-zhao", [("note", "又塌了")]).status == .seeOther)
            #expect(wakes.value == wakesBefore + 2)
            let view = try #require(try await database.reportView(number: number))
            #expect(view.events.map(\.kind.rawValue).filter { $0 != "notified" } == ["created", "acknowledged", "whistled", "reported_in", "resolved", "reopened"])
            #expect(view.events.filter { $0.kind != .notified }.compactMap(\.actor) == ["resident", "r-zhao", "r-zhao", "d-city", "d-city", "r-zhao"])
        }
    }

    @Test("a missing, forged or borrowed token, or a cross-site post, is refused and writes nothing")
    func csrf() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let number = try await leak(database, at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let qian = try await signIn("r-qian", database, client, at: clock.now())
            let mine = try #require(csrfToken(String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: zhao.headers).body)))
            let theirs = try #require(csrfToken(String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: qian.headers).body)))
            #expect(mine != theirs)
            for (fields, extra) in [
                ([(String, String)](), HTTPFields()), ([("csrf", "00ff")], HTTPFields()), ([("csrf", theirs)], HTTPFields()),
                ([("csrf", mine)], [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]),
            ] {
                var headers = zhao.form
                headers.append(contentsOf: extra)
                let response = try await client.execute(uri: "/r/\(number)/ack", method: .post, headers: headers, body: formBody(fields))
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("页面已过期"))
            }
            // Not a form at all: 400.
            let json = try await client.execute(
                uri: "/r/\(number)/ack", method: .post, headers: [.cookie: zhao.cookie, .contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(json.status == .badRequest)
            #expect(try await database.report(number: number)?.status == .open)
            #expect(try await database.reportView(number: number)?.events.map(\.kind) == [.created])
            // Same-site is fine.
            var headers = zhao.form
            headers[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            #expect(try await client.execute(uri: "/r/\(number)/ack", method: .post, headers: headers, body: formBody([("csrf", mine)])).status == .seeOther)
            #expect(try await database.report(number: number)?.ackBy == "r-zhao")
        }
    }

    @Test("a report outside my scope is the same 404 as one that does not exist, token or not")
    func outOfScope() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let number = try await leak(database, at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            let sun = try await signIn("r-sun", database, client, at: clock.now())
            let csrf = try #require(csrfToken(String(buffer: try await client.execute(uri: "/r", method: .get, headers: sun.headers).body)))
            let response = try await client.execute(uri: "/r/\(number)/ack", method: .post, headers: sun.form, body: formBody([("csrf", csrf)]))
            #expect(response.status == .notFound)
            #expect(!String(buffer: response.body).contains("下水道"))
            #expect(try await database.report(number: number)?.status == .open)
        }
    }

    @Test("an ack from the phone counts in /metrics like the API's")
    func metrics() async throws {
        let database = try await apiDatabase()
        let number = try await leak(database, at: Date())
        try await testApp(database, clock: SystemWallClock(), config: ServerConfig(port: 0)).test(.live) { client in
            let zhao = try await signIn("r-zhao", database, client, at: Date())
            let csrf = try #require(csrfToken(String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: zhao.headers).body)))
            #expect(try await client.execute(uri: "/r/\(number)/ack", method: .post, headers: zhao.form, body: formBody([("csrf", csrf)])).status == .seeOther)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains(#"whistle_acks_total{within_promise="true"} 1"#), "\(text)")
        }
    }
}
