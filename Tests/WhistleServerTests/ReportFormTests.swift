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
import WhistleTestSupport

private func reportCount(_ database: AppDatabase) async throws -> Int {
    try await database.value("SELECT COUNT(*) FROM report") ?? 0
}

/// GETs the form and POSTs it with `fields` (the token filled in unless given).
private func submit(
    _ client: some TestClientProtocol, code: String, fields: [(String, String)], photo: [UInt8]? = nil, query: String = ""
) async throws -> TestResponse {
    let form = try await client.execute(uri: "/p/\(code)\(query)", method: .get)
    let token = formToken(String(buffer: form.body)) ?? ""
    var all = fields
    if !all.contains(where: { $0.0 == "form_token" }) { all.append(("form_token", token)) }
    return try await client.execute(uri: "/p/\(code)\(query)", method: .post, headers: .multipart(), body: multipart(all, photo: photo))
}

private let good: [(String, String)] = [("category", "water"), ("description", "3号楼东侧下水道冒水"), ("phone", "13800000009"), ("website", "")]

@Suite("Resident report form")
struct ReportFormTests {
    @Test("the form renders for each point kind, in Chinese and English", arguments: ["statue-south-gate", "station-guard-north", "merchant-pharmacy"])
    func renders(pointID: String) async throws {
        let database = try await seededDatabase()
        let point = try #require(try await database.point(id: pointID))
        try await testApp(database).test(.router) { client in
            for (query, words) in [("", ["吹哨 · 提交", "遇到什么问题？", "个人信息说明", "漏水 / 下水堵塞"]), ("?lang=en", ["Blow the whistle · Send", "What is the problem?", "Your information"])] {
                try await client.execute(uri: "/p/\(point.code)\(query)", method: .get) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains(point.name))
                    for word in words { #expect(html.contains(word), "\(word) missing \(query)") }
                    #expect(html.contains("enctype=\"multipart/form-data\""))
                    #expect(formToken(html) != nil)
                    #expect(!html.contains("<script"))
                    #expect(html.utf8.count <= 12 * 1024, "page is \(html.utf8.count) bytes")
                }
            }
        }
    }

    @Test("a good report is committed with its event and outbox rows, then 303 to its status page")
    func goodReport() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let response = try await submit(client, code: statue.code, fields: good)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/t/20261123-0001?k="))
            let report = try #require(try await database.report(number: "20261123-0001"))
            #expect(report.category == "water")
            #expect(report.description == "3号楼东侧下水道冒水")
            #expect(report.phone == "13800000009")
            #expect(report.statusKeyHash == Secret.hash(try #require(statusKey(location))))
            #expect(try await database.events(reportID: report.id!).map(\.kind) == ["created"])
            #expect(try await database.outbox(reportID: report.id!).count == 6)
        }
    }

    @Test("urlencoded forms work too (no photo)")
    func urlencoded() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let token = try #require(formToken(String(buffer: form.body)))
            let body = "category=road&description=%E5%A4%A7%E9%97%A8%E5%8F%A3%E6%9C%89%E5%9D%91&form_token=\(token)&website="
            let response = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .urlencoded, body: ByteBuffer(string: body))
            #expect(response.status == .seeOther)
            #expect(try await database.report(number: "20261123-0001")?.description == "大门口有坑")
            // Percent-encoded bytes that are not UTF-8 are not text: refused, not stored as they came.
            let token2 = try #require(formToken(String(buffer: try await client.execute(uri: "/p/\(statue.code)", method: .get).body)))
            let invalid = "category=road&description=%FF%FE&form_token=\(token2)&website="
            let refused = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .urlencoded, body: ByteBuffer(string: invalid))
            #expect(refused.status == .badRequest)
        }
        #expect(try await database.report(number: "20261123-0002") == nil)
    }

    @Test("a photo is stored outside anything served, re-encoded, without EXIF")
    func photo() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let marker = "GPS 39.9042N 116.4074E"
        let upload = try phoneJPEG(width: 320, height: 240, marker: marker)
        try await testApp(database).test(.router) { client in
            let response = try await submit(client, code: statue.code, fields: good, photo: upload)
            #expect(response.status == .seeOther)
            let report = try #require(try await database.report(number: "20261123-0001"))
            let id = try #require(report.photoIDs.first)
            #expect(id.hasSuffix(".jpg") && !id.contains("IMG_0001"))
            let stored = try #require(try await database.photoData(id))
            #expect(stored.starts(with: [0xFF, 0xD8, 0xFF]))
            #expect(stored.range(of: Data("Exif".utf8)) == nil)
            #expect(stored.range(of: Data(marker.utf8)) == nil)
            // Not served: no route reaches the photos folder.
            try await client.execute(uri: "/\(id)", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test(
        "each bad field gets its message next to it, keeps what was typed, and stores nothing",
        arguments: [
            ([("category", "spaceship"), ("description", "有问题"), ("website", "")], "请选择一个问题类型"),
            ([("category", "water"), ("description", "   "), ("website", "")], "请写几个字说明情况"),
            ([("category", "water"), ("description", String(repeating: "水", count: 1001)), ("website", "")], "说明太长了"),
            ([("category", "water"), ("description", "漏水\u{0007}"), ("website", "")], "无法识别的字符"),
            ([("category", "water"), ("description", "漏水"), ("phone", "12345"), ("website", "")], "电话号码不对"),
        ])
    func badFields(fields: [(String, String)], message: String) async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let response = try await submit(client, code: statue.code, fields: fields)
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            #expect(html.contains(message))
            #expect(html.contains("请修改下面标红的内容"))
            if let phone = fields.first(where: { $0.0 == "phone" }) { #expect(html.contains("value=\"\(phone.1)\"")) }
        }
        #expect(try await reportCount(database) == 0)
    }

    @Test("a file that is not a photo is refused with a message, nothing stored")
    func notAPhoto() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let response = try await submit(client, code: statue.code, fields: good, photo: Array("<?php system($_GET[1]); ?>".utf8))
            #expect(response.status == .unprocessableContent)
            #expect(String(buffer: response.body).contains("只能上传照片"))
        }
        #expect(try await reportCount(database) == 0)
    }

    @Test("an oversized body is refused with 413 before it is read")
    func oversize() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let big = [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 7, count: 9 * 1_048_576)
            let response = try await submit(client, code: statue.code, fields: good, photo: big)
            #expect(response.status == .contentTooLarge)
            #expect(String(buffer: response.body).contains("照片不能超过8MB"))
        }
        #expect(try await reportCount(database) == 0)
    }

    @Test("a filled honeypot, a forged token and a replayed token are refused")
    func abuse() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        try await testApp(database).test(.router) { client in
            var bot = good
            bot.removeAll { $0.0 == "website" }
            bot.append(("website", "http://spam.example"))
            #expect(try await submit(client, code: statue.code, fields: bot).status == .badRequest)
            #expect(try await submit(client, code: statue.code, fields: good + [("form_token", "1.abcdefghijklmnop.00")]).status == .badRequest)

            // A token made for another point is not valid here.
            let other = try await client.execute(uri: "/p/\(pharmacy.code)", method: .get)
            let otherToken = try #require(formToken(String(buffer: other.body)))
            #expect(try await submit(client, code: statue.code, fields: good + [("form_token", otherToken)]).status == .badRequest)

            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let token = try #require(formToken(String(buffer: form.body)))
            #expect(try await submit(client, code: statue.code, fields: good + [("form_token", token)]).status == .seeOther)
            let replay = try await submit(client, code: statue.code, fields: good + [("form_token", token)])
            #expect(replay.status == .conflict)
            #expect(String(buffer: replay.body).contains("这张表已经提交过了"))
        }
        #expect(try await reportCount(database) == 1)
    }

    @Test("an expired form asks the resident to reopen it")
    func expired() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let token = try #require(formToken(String(buffer: form.body)))
            clock.advance(25 * 3600)
            let response = try await client.execute(
                uri: "/p/\(statue.code)", method: .post, headers: .multipart(), body: multipart(good + [("form_token", token)]))
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("这张表已过期"))
        }
    }

    @Test("too many reports from one place get a clear 429 page")
    func rateLimit() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let config = ServerConfig(limits: RateLimits(perClient: .init(burst: 2, refillSeconds: 600), perPoint: .init(burst: 100, refillSeconds: 1)))
        try await testApp(database, config: config).test(.router) { client in
            let categories = ["water", "road", "fire"]
            var statuses: [HTTPResponse.Status] = []
            for category in categories {
                statuses.append(try await submit(client, code: statue.code, fields: [("category", category), ("description", "测试"), ("website", "")]).status)
            }
            #expect(statuses == [.seeOther, .seeOther, .tooManyRequests])
            let limited = try await submit(client, code: statue.code, fields: good)
            #expect(String(buffer: limited.body).contains("提交太频繁了"))
            #expect(limited.headers[.retryAfter] != nil)
        }
        #expect(try await reportCount(database) == 2)
    }

    @Test("a handful of clients cannot lock out a point: past its limit a report is kept and linked, not refused")
    func busyPointStillAccepts() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let config = ServerConfig(
            trustedProxies: ["127.0.0.1"],
            limits: RateLimits(perClient: .init(burst: 2, refillSeconds: 600), perPoint: .init(burst: 3, refillSeconds: 600)))
        try await testApp(database, config: config).test(.live) { client in
            func send(from address: String, category: String) async throws -> TestResponse {
                let forwarded: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: address]
                let form = try await client.execute(uri: "/p/\(statue.code)", method: .get, headers: forwarded)
                let token = try #require(formToken(String(buffer: form.body)))
                var headers = HTTPFields.multipart()
                headers[HTTPField.Name("X-Forwarded-For")!] = address
                let fields = [("category", category), ("description", "测试"), ("website", ""), ("form_token", token)]
                return try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: headers, body: multipart(fields))
            }
            // Three clients, two valid reports each: twice what the point's bucket holds.
            for (index, address) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"].enumerated() {
                for category in ["water", "road"] {
                    #expect(try await send(from: address, category: index == 0 ? category : "fire").status == .seeOther)
                }
            }
            // A resident who sent nothing yet still gets in.
            let resident = try await send(from: "198.51.100.20", category: "help")
            #expect(resident.status == .seeOther)
            // One client is still limited on its own.
            #expect(try await send(from: "203.0.113.1", category: "help").status == .tooManyRequests)
        }
        #expect(try await reportCount(database) == 7)
        let resident = try #require(try await database.report(number: "20261123-0007"))
        #expect(resident.status == .duplicate, "linked to the point's open report instead of paging again")
        #expect(try await database.outbox(reportID: resident.id!).isEmpty)
        let created = try #require(try await database.events(reportID: resident.id!).first)
        #expect(created.detail["linked_because"] == "point_busy")
    }

    @Test("XSS in what the resident typed comes back escaped")
    func xss() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let payload = "\"><script>alert(1)</script><img src=x onerror=alert(2)>"
        try await testApp(database).test(.router) { client in
            let response = try await submit(
                client, code: statue.code, fields: [("category", "water"), ("description", payload), ("phone", payload), ("website", "")])
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            #expect(!html.contains("<script>alert"))
            #expect(!html.contains("<img src=x"))
            #expect(html.contains("&lt;script&gt;"))
        }
    }

    @Test("a second report on the same problem is linked to the first, and the resident is told")
    func duplicate() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            #expect(try await submit(client, code: statue.code, fields: good).status == .seeOther)
            let second = try await submit(client, code: statue.code, fields: good)
            let location = try #require(second.headers[.location])
            #expect(location.hasPrefix("/t/20261123-0002"))
            let page = try await client.execute(uri: location, method: .get)
            #expect(String(buffer: page.body).contains("这个问题已经有人在处理（单号 20261123-0001）"))
        }
        #expect(try await database.report(number: "20261123-0002")?.duplicateOf != nil)
    }

    @Test("mistakes, empty POSTs and a filled honeypot never spend a resident's quota")
    func badRequestsAreFree() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let config = ServerConfig(limits: RateLimits(perClient: .init(burst: 2, refillSeconds: 600), perPoint: .init(burst: 3, refillSeconds: 600)))
        try await testApp(database, config: config).test(.router) { client in
            // Six tries with a mistyped phone, six empty POSTs, a bot's honeypot: more than both buckets hold.
            for _ in 0..<6 {
                let mistyped = try await submit(client, code: statue.code, fields: [("category", "water"), ("description", "漏水"), ("phone", "1380000"), ("website", "")])
                #expect(mistyped.status == .unprocessableContent)
                let empty = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .urlencoded, body: ByteBuffer())
                #expect(empty.status == .badRequest)
            }
            let honeypot = good.map { $0.0 == "website" ? ("website", "http://spam") : $0 }
            #expect(try await submit(client, code: statue.code, fields: honeypot).status == .badRequest)
            #expect(try await submit(client, code: statue.code, fields: good + [("website", "http://spam")]).status == .badRequest, "sent twice")
            // The resident's real report still goes through.
            #expect(try await submit(client, code: statue.code, fields: good).status == .seeOther)
        }
        #expect(try await reportCount(database) == 1)
    }

    @Test("a description is bounded in bytes and scalars too: one letter with a flood of combining marks is refused")
    func combiningFlood() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        // 40 KB of marks on one letter: one character, re-shown with the message. Two megabytes: refused as it arrives.
        let flood = "a" + String(repeating: "\u{0301}", count: 20_000)
        #expect(flood.count == 1)
        let huge = "a" + String(repeating: "\u{0301}", count: 1_000_000)
        try await testApp(database).test(.router) { client in
            let response = try await submit(client, code: statue.code, fields: [("category", "water"), ("description", flood), ("website", "")])
            #expect(response.status == .unprocessableContent)
            #expect(String(buffer: response.body).contains("太长"))
            let refused = try await submit(client, code: statue.code, fields: [("category", "water"), ("description", huge), ("website", "")])
            #expect(refused.status == .contentTooLarge)
            // 1000 Chinese characters, or emoji with skin tones, are fine.
            let long = String(repeating: "漏", count: 1000)
            #expect(try await submit(client, code: statue.code, fields: [("category", "water"), ("description", long), ("website", "")]).status == .seeOther)
            let emoji = String(repeating: "👍🏽", count: 400)
            #expect(try await submit(client, code: statue.code, fields: [("category", "road"), ("description", emoji), ("website", "")]).status == .seeOther)
        }
        #expect(try await reportCount(database) == 2)
    }

    @Test(
        "a write the database refuses: a plain 503 page saying it was not received, the photo gone, the form still usable",
        .enabled(if: TestBackend.isSQLite, "fails the write through a SQLite trigger"))
    func storeRefusesWrite() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await database.write { tx in try tx.execute("CREATE TRIGGER broken BEFORE INSERT ON report BEGIN SELECT RAISE(ABORT, 'disk trouble'); END") }
        try await testApp(database).test(.router) { client in
            let refused = try await submit(client, code: statue.code, fields: good, photo: try phoneJPEG(width: 320, height: 240, marker: "x"))
            #expect(refused.status == .serviceUnavailable)
            let page = String(buffer: refused.body)
            #expect(page.contains("暂时没有收到") && page.contains("没有提交成功") && page.contains("/p/\(statue.code)"))
            #expect(!page.contains("disk trouble"), "the database's words stay in the log")
            try await database.write { tx in try tx.execute("DROP TRIGGER broken") }
            #expect(try await submit(client, code: statue.code, fields: good).status == .seeOther)
        }
        #expect(try await reportCount(database) == 1)
        #expect(try await database.photoCount() == 0, "the refused report's photo is not kept")
    }

    @Test("a replayed form with a photo leaves no photo behind that no report names")
    func replayLeavesNoPhoto() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let upload = try phoneJPEG(width: 320, height: 240, marker: "x")
        try await testApp(database).test(.router) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let token = try #require(formToken(String(buffer: form.body)))
            let body = multipart(good + [("form_token", token)], photo: upload)
            let first = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .multipart(), body: body)
            #expect(first.status == .seeOther)
            let replay = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .multipart(), body: body)
            #expect(replay.status == .conflict)
        }
        let named = try #require(try await database.report(number: "20261123-0001")).photoIDs
        let kept = try await database.photoCount()
        #expect(named.count == 1 && kept == 1, "only the stored report's photo is kept")
        #expect(try await database.photoData(named[0]) != nil)
        let swept = try await database.sweepIncomingPhotos(olderThan: 0)
        #expect(swept.kept == 0 && swept.removed == 0, "nothing waits unsettled")
    }

    @Test("a multipart body with thousands of parts is refused before it is parsed")
    func thousandsOfParts() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let form = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            let token = try #require(formToken(String(buffer: form.body)))
            let extra = (0..<5000).map { ("x\($0)", "y") }
            let started = ContinuousClock.now
            let response = try await client.execute(
                uri: "/p/\(statue.code)", method: .post, headers: .multipart(), body: multipart(good + [("form_token", token)] + extra))
            #expect(response.status == .badRequest)
            #expect(started.duration(to: .now) < .seconds(5))
            // The same form with its own fields only goes through.
            let fine = try await client.execute(uri: "/p/\(statue.code)", method: .post, headers: .multipart(), body: multipart(good + [("form_token", token)]))
            #expect(fine.status == .seeOther)
        }
    }
}
