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

/// A part-time grid worker's phone (兼职网格员, #17): sign in as responders do, report from a typed place with a photo,
/// follow their own reports; responders see who found it and never the finder's phone.
@Suite("Part-time grid workers' pages")
struct PartTimePagesTests {
    /// The signed-in worker's form for `grid`, its CSRF and form tokens.
    private func openForm(_ client: some TestClientProtocol, _ phone: SignedInPhone, grid: String = "g1") async throws -> (html: String, csrf: String, token: String) {
        let page = try await client.execute(uri: "/r/new?grid=\(grid)", method: .get, headers: phone.headers)
        #expect(page.status == .ok)
        let html = String(buffer: page.body)
        return (html, try #require(csrfToken(html)), try #require(formToken(html)))
    }

    private func post(
        _ client: some TestClientProtocol, _ phone: SignedInPhone, grid: String = "g1", _ fields: [(String, String)], photo: [UInt8]?
    ) async throws -> TestResponse {
        var headers = HTTPFields.multipart()
        headers[.cookie] = phone.cookie
        return try await client.execute(uri: "/r/new?grid=\(grid)", method: .post, headers: headers, body: multipart(fields, photo: photo))
    }

    @Test("report from a typed place with a photo: the grid's ladder, the worker's list, the responder's page without the worker's phone")
    func typedPlace() async throws {
        let database = try await seededDatabase { withPartTime($0) }
        let clock = ManualClock()
        let photo = try phoneJPEG(width: 600, height: 400, marker: "GPS-31.2304N")
        try await testApp(database, clock: clock).test(.router) { client in
            let xu = try await signIn("pt-xu", database, client, at: clock.now())
            // Two grids: the form asks which first.
            let choose = String(buffer: try await client.execute(uri: "/r/new", method: .get, headers: xu.headers).body)
            #expect(choose.contains("第一网格") && choose.contains("第二网格") && choose.contains("/r/new?grid=g1"))
            let form = try await openForm(client, xu)
            #expect(form.html.contains("红哨塑像（南门）") && form.html.contains("capture=\"environment\""))
            #expect(!form.html.contains("第二网格的"))

            let response = try await post(
                client, xu,
                [("csrf", form.csrf), ("form_token", form.token), ("spot", ""), ("place", "  3号楼   东侧 "), ("category", "water"),
                 ("description", "井盖松动，有人差点踩空")],
                photo: photo)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let number = String(location.dropFirst("/r/".count))
            let report = try #require(try await database.report(number: number))
            #expect(report.pointID == "grid:g1" && report.place == "3号楼 东侧" && report.foundBy == "pt-xu" && report.phone == nil)
            #expect(report.photoIDs.count == 1)
            let stored = try #require(try await database.photoData(report.photoIDs[0]))
            #expect(!String(decoding: stored, as: UTF8.self).contains("GPS-31.2304N"))
            // The same ladder as a resident's report on g1: r-zhao (on duty) first.
            let steps = try await database.outbox(reportID: try #require(report.id))
            #expect(steps.contains { $0.responderID == "r-zhao" && $0.step == 0 })

            // The worker's own page: the place and no buttons; their list shows it.
            let mine = String(buffer: try await client.execute(uri: location, method: .get, headers: xu.headers).body)
            #expect(mine.contains("第一网格 · 3号楼 东侧") && !mine.contains("/ack"))
            let list = String(buffer: try await client.execute(uri: "/r", method: .get, headers: xu.headers).body)
            #expect(list.contains("我反映的问题") && list.contains(number) && list.contains("待接单") && list.contains("/r/new"))

            // The grid worker sees who found it, never their phone.
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let page = String(buffer: try await client.execute(uri: location, method: .get, headers: zhao.headers).body)
            #expect(page.contains("发现人：兼职网格员 徐超 (顺丰)") && page.contains("3号楼 东侧"))
            #expect(page.contains("兼职网格员 徐超 (顺丰)随手拍、随手报") && !page.contains("居民反映"))
            #expect(!page.contains("13900000007") && !page.contains("139****0007"))
            let inbox = String(buffer: try await client.execute(uri: "/r", method: .get, headers: zhao.headers).body)
            #expect(inbox.contains("第一网格 · 3号楼 东侧"))
            // The API says the same, as data: the place and the finder, no phone.
            let token = try await database.issueToken(responderID: "r-zhao")
            let api = try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: [.authorization: "Bearer \(token)"])
            let dto = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: api.body).utf8)) as? [String: Any])
            #expect(dto["place"] as? String == "3号楼 东侧")
            let finder = dto["found_by"] as? [String: Any]
            #expect(finder?["id"] as? String == "pt-xu" && finder?["name"] as? String == "徐超" && finder?["employer"] as? String == "顺丰")
            #expect(dto["phone"] == nil && !String(buffer: api.body).contains("1390000"))

            // Taken and fixed: the worker is thanked, with the time it took.
            _ = try await database.acknowledge(number: number, by: "r-zhao", at: clock.now().addingTimeInterval(120))
            _ = try await database.resolve(number: number, by: "r-zhao", note: "已固定", at: clock.now().addingTimeInterval(7200))
            let thanked = String(buffer: try await client.execute(uri: location, method: .get, headers: xu.headers).body)
            #expect(thanked.contains("谢谢您！这个问题已解决，用时 2小时"))
            let done = String(buffer: try await client.execute(uri: "/r", method: .get, headers: xu.headers).body)
            #expect(done.contains("已办结") && done.contains("用时 2小时 解决"))
        }
    }

    @Test("every bad form gets its own answer and stores nothing")
    func refusals() async throws {
        let database = try await seededDatabase { withPartTime($0, partTimeEntry.replacingOccurrences(of: "[g1, g2]", with: "[g1]")) }
        let clock = ManualClock()
        let photo = try phoneJPEG(width: 300, height: 200, marker: "x")
        try await testApp(database, clock: clock).test(.router) { client in
            let xu = try await signIn("pt-xu", database, client, at: clock.now())
            // One grid: the form at once.
            #expect(String(buffer: try await client.execute(uri: "/r/new", method: .get, headers: xu.headers).body).contains("name=\"form_token\""))
            func attempt(_ edit: ([(String, String)]) -> [(String, String)], photo: [UInt8]?, grid: String = "g1") async throws -> (HTTPResponse.Status, String) {
                let form = try await openForm(client, xu)
                let fields = edit([
                    ("csrf", form.csrf), ("form_token", form.token), ("spot", ""), ("place", "3号楼东侧"), ("category", "water"), ("description", "井盖松动"),
                ])
                let response = try await post(client, xu, grid: grid, fields, photo: photo)
                return (response.status, String(buffer: response.body))
            }
            func replacing(_ name: String, _ value: String) -> ([(String, String)]) -> [(String, String)] {
                { fields in fields.map { $0.0 == name ? (name, value) : $0 } }
            }
            let noPlace = try await attempt(replacing("place", "   "), photo: photo)
            #expect(noPlace.0 == .unprocessableContent && noPlace.1.contains("请写明具体位置"))
            let long = try await attempt(replacing("place", String(repeating: "东", count: 41)), photo: photo)
            #expect(long.0 == .unprocessableContent)
            let badSpot = try await attempt(replacing("spot", "merchant-pharmacy"), photo: photo)  // a point of g2
            #expect(badSpot.0 == .unprocessableContent && badSpot.1.contains("请从列表中选择地点"))
            let noPhoto = try await attempt({ $0 }, photo: nil)
            #expect(noPhoto.0 == .unprocessableContent && noPhoto.1.contains("请拍一张照片") && noPhoto.1.contains("3号楼东侧"))
            let noText = try await attempt(replacing("description", ""), photo: photo)
            #expect(noText.0 == .unprocessableContent)
            let forged = try await attempt(replacing("csrf", "00"), photo: photo)
            #expect(forged.0 == .forbidden)
            let offGrid = try await attempt({ $0 }, photo: photo, grid: "g2")
            #expect(offGrid.0 == .notFound)
            let notAnImage = try await attempt({ $0 }, photo: Array("not a photo".utf8))
            #expect(notAnImage.0 == .unprocessableContent)
            #expect(try await database.read { tx in try tx.value("SELECT COUNT(*) FROM report", as: Int.self) } == 0)

            // A point of the grid instead of a typed place; the same form posted twice is refused the second time.
            let form = try await openForm(client, xu)
            let fields = [("csrf", form.csrf), ("form_token", form.token), ("spot", "statue-south-gate"), ("place", ""), ("category", "road"), ("description", "路灯坏了")]
            let first = try await post(client, xu, fields, photo: photo)
            #expect(first.status == .seeOther)
            let again = try await post(client, xu, fields, photo: photo)
            #expect(again.status == .conflict)
            let number = String(try #require(first.headers[.location]).dropFirst("/r/".count))
            let report = try #require(try await database.report(number: number))
            #expect(report.pointID == "statue-south-gate" && report.place == nil && report.foundBy == "pt-xu")
        }
    }

    @Test("a part-time worker sees only their own reports and acts on none; other roles have no form")
    func scope() async throws {
        let database = try await seededDatabase { withPartTime($0) }
        let clock = ManualClock()
        let resident = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "road", description: "路灯坏了", statusKeyHash: "h"), at: clock.now())
        let found = try await database.createReport(
            ReportDraft(pointID: "grid:g2", category: "water", description: "漏水", statusKeyHash: "h2", foundBy: "pt-xu", place: "5号楼"),
            at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            let xu = try await signIn("pt-xu", database, client, at: clock.now())
            let list = String(buffer: try await client.execute(uri: "/r", method: .get, headers: xu.headers).body)
            #expect(list.contains(found.report.number) && !list.contains(resident.report.number))
            #expect(try await client.execute(uri: "/r/\(resident.report.number)", method: .get, headers: xu.headers).status == .notFound)
            let csrf = try #require(csrfToken(list))
            let ack = try await client.execute(
                uri: "/r/\(found.report.number)/ack", method: .post, headers: xu.form, body: formBody([("csrf", csrf)]))
            #expect(ack.status == .forbidden)
            #expect(try await database.report(number: found.report.number)?.status == .open)

            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            #expect(try await client.execute(uri: "/r/new", method: .get, headers: zhao.headers).status == .notFound)
            // The responder's own inbox is unchanged by the new routes.
            #expect(String(buffer: try await client.execute(uri: "/r", method: .get, headers: zhao.headers).body).contains("我的单子"))
        }
    }
}
