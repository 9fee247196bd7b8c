import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WhistleCore
import WhistleServer
import WhistleStore

private let draft = ReportDraft(
    pointID: "statue-south-gate", category: "water", description: "下水道冒水", phone: "13800000009", statusKeyHash: "h")

/// The inbox and the report page: the same scopes as the API, the phone masked until I take it, the order of danger.
@Suite("Phone pages")
struct PhonePagesTests {
    @Test("a report page opens exactly where the API shows the report, and the inbox lists no more than the API")
    func scopes() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let g1 = try await database.createReport(draft, at: clock.now()).report.number
        var g2Draft = draft
        g2Draft.pointID = "station-guard-north"
        g2Draft.category = "fire"
        let g2 = try await database.createReport(g2Draft, at: clock.now()).report.number
        try await testApp(database, clock: clock).test(.router) { client in
            for id in ["r-zhao", "r-sun", "r-li", "r-shang", "d-city"] {
                let phone = try await signIn(id, database, client, at: clock.now())
                let token = try await database.issueToken(responderID: id)
                let inbox = String(buffer: try await client.execute(uri: "/r", method: .get, headers: phone.headers).body)
                let apiList = try await client.execute(uri: "/api/v1/reports", method: .get, headers: [.authorization: "Bearer \(token)"])
                let apiNumbers = ((try JSONSerialization.jsonObject(with: Data(apiList.body.readableBytesView)) as? [[String: Any]]) ?? [])
                    .compactMap { $0["number"] as? String }
                for number in [g1, g2] {
                    let page = try await client.execute(uri: "/r/\(number)", method: .get, headers: phone.headers)
                    let api = try await client.execute(uri: "/api/v1/reports/\(number)", method: .get, headers: [.authorization: "Bearer \(token)"])
                    #expect((page.status == .ok) == (api.status == .ok), "\(id) \(number)")
                    #expect(page.status == .ok || page.status == .notFound)
                    if page.status == .notFound { #expect(!String(buffer: page.body).contains("下水道")) }
                    if inbox.contains("/r/\(number)") { #expect(apiNumbers.contains(number), "\(id) lists \(number)") }
                }
            }
            let sun = try await signIn("r-sun", database, client, at: clock.now())
            #expect(try await client.execute(uri: "/r/\(g1)", method: .get, headers: sun.headers).status == .notFound)
            #expect(try await client.execute(uri: "/r/20990101-0001", method: .get, headers: sun.headers).status == .notFound)
            #expect(try await client.execute(uri: "/r/nonsense", method: .get, headers: sun.headers).status == .notFound)
        }
    }

    @Test("the resident's phone: masked before it is taken, a tel: link for the taker, masked for everyone else")
    func phone() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let number = try await database.createReport(draft, at: clock.now()).report.number
        try await testApp(database, clock: clock).test(.router) { client in
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let qian = try await signIn("r-qian", database, client, at: clock.now())
            let before = String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: zhao.headers).body)
            #expect(before.contains("138****0009") && !before.contains("13800000009"))
            #expect(before.contains("接单 还剩 10分钟"))
            try await database.acknowledge(number: number, by: "r-zhao", at: clock.now())
            let taker = String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: zhao.headers).body)
            #expect(taker.contains(#"href="tel:13800000009""#))
            let other = String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: qian.headers).body)
            #expect(other.contains("138****0009") && !other.contains("13800000009"))
            // The timeline names responders, never a phone.
            #expect(taker.contains("接单 · 赵网格员（网格员）"))
            #expect(!taker.contains("13800000001"))
        }
    }

    @Test("the inbox: untaken with time left first (least left on top), then overdue (newest first), then mine")
    func order() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let start = clock.now()
        // Each of another category: the same problem at the same point would be linked as a duplicate.
        func file(_ minutesAgo: Double, _ text: String, _ category: String) async throws -> String {
            var item = draft
            item.category = category
            item.description = text
            item.statusKeyHash = text
            return try await database.createReport(item, at: start.addingTimeInterval(-minutesAgo * 60)).report.number
        }
        let oldLate = try await file(30, "早已超时", "road")
        let newLate = try await file(12, "刚超时", "fire")
        let fresh = try await file(1, "刚来", "water")
        let closer = try await file(6, "快到时", "elevator")
        let mine = try await file(40, "我在办", "help")
        try await database.acknowledge(number: mine, by: "r-zhao", at: start.addingTimeInterval(-39 * 60))
        try await testApp(database, clock: clock).test(.router) { client in
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let html = String(buffer: try await client.execute(uri: "/r", method: .get, headers: zhao.headers).body)
            let positions = [closer, fresh, newLate, oldLate, mine].map { html.range(of: "/r/\($0)\"")?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
            #expect(html.contains("还剩 4分钟"))
            #expect(html.contains("已超时 2分钟"))
            #expect(html.contains("办结 还剩"))
            #expect(html.contains(#"<meta http-equiv="refresh" content="30">"#))
        }
    }

    @Test("a long inbox shows 30 rows and how many more, in 12 KB; what a resident wrote is escaped")
    func long() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        // 32 different problems (4 points × 8 categories: the same one twice would be a duplicate).
        let points = ["statue-south-gate", "station-service-centre", "station-guard-north", "merchant-pharmacy"]
        let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
        for (index, (point, category)) in points.flatMap({ point in categories.map { (point, $0) } }).enumerated() {
            var item = draft
            item.description = "<script>alert(\(index))</script>" + String(repeating: "很长的描述", count: 20)
            item.statusKeyHash = "k\(index)"
            item.pointID = point
            item.category = category
            _ = try await database.createReport(item, at: clock.now().addingTimeInterval(Double(-index)))
        }
        try await testApp(database, clock: clock).test(.router) { client in
            let li = try await signIn("r-li", database, client, at: clock.now())
            let inbox = try await client.execute(uri: "/r", method: .get, headers: li.headers)
            let html = String(buffer: inbox.body)
            #expect(html.components(separatedBy: #"<a class="row"#).count - 1 == 30)
            #expect(html.contains("另有 2 件"))
            #expect(inbox.body.readableBytes <= 12 * 1024, "\(inbox.body.readableBytes) bytes")
            #expect(inbox.headers[.cacheControl] == "no-store")
            let first = try #require(html.firstMatch(of: #/href="/r/(\d{8}-\d{4})"/#).map { String($0.1) })
            let page = try await client.execute(uri: "/r/\(first)", method: .get, headers: li.headers)
            let text = String(buffer: page.body)
            #expect(!text.contains("<script>"))
            #expect(text.contains("&lt;script&gt;"))
            #expect(page.body.readableBytes <= 12 * 1024)
        }
    }

    @Test("a department's inbox lists what was whistled to it under 待报到, and its page offers 报到")
    func department() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let number = try await database.createReport(draft, at: clock.now()).report.number
        try await database.acknowledge(number: number, by: "r-zhao", at: clock.now())
        try await database.whistle(number: number, by: "r-zhao", to: "d-city", note: "路面塌陷", at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            let city = try await signIn("d-city", database, client, at: clock.now())
            let inbox = String(buffer: try await client.execute(uri: "/r", method: .get, headers: city.headers).body)
            #expect(inbox.contains("待报到（1）"))
            #expect(inbox.contains("报到 还剩 10分钟"))
            let page = String(buffer: try await client.execute(uri: "/r/\(number)", method: .get, headers: city.headers).body)
            #expect(page.contains(#"action="/r/\#(number)/ack""#))
            #expect(page.contains(">报到</button>"))
            #expect(!page.contains(#"/whistle""#))
            #expect(page.contains("吹哨给 城管委（职能部门） · 赵网格员（网格员）"))
            #expect(page.contains("路面塌陷"))
        }
    }

    @Test("English with ?lang=en, links and forms included")
    func english() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let number = try await database.createReport(draft, at: clock.now()).report.number
        try await testApp(database, clock: clock).test(.router) { client in
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let inbox = String(buffer: try await client.execute(uri: "/r?lang=en", method: .get, headers: zhao.headers).body)
            #expect(inbox.contains("My reports") && inbox.contains("/r/\(number)?lang=en"))
            let page = String(buffer: try await client.execute(uri: "/r/\(number)?lang=en", method: .get, headers: zhao.headers).body)
            #expect(page.contains("/r/\(number)/ack?lang=en") && page.contains("Take it"))
        }
    }
}
