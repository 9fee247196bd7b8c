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

/// Submits a good report through the form and returns its status-page location.
private func report(_ client: some TestClientProtocol, code: String, lang: String = "") async throws -> String {
    let form = try await client.execute(uri: "/p/\(code)\(lang)", method: .get)
    let token = formToken(String(buffer: form.body)) ?? ""
    let response = try await client.execute(
        uri: "/p/\(code)\(lang)", method: .post, headers: .multipart(),
        body: multipart([("category", "water"), ("description", "下水道冒水"), ("phone", "13800000009"), ("website", ""), ("form_token", token)]))
    return response.headers[.location] ?? ""
}

@Suite("Resident status page")
struct StatusPageTests {
    @Test("an open report shows the time left in the promise and refreshes itself")
    func open() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let location = try await report(client, code: statue.code)
            clock.advance(130)
            let html = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(html.contains("20261123-0001"))
            #expect(html.contains("已收到您的反映"))
            #expect(html.contains("还剩约8分钟"))
            #expect(html.contains("http-equiv=\"refresh\""))
            #expect(html.contains("漏水 / 下水堵塞"))
            clock.advance(600)
            let late = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(late.contains("已超过承诺时间3分钟"))
        }
    }

    @Test("a wrong or missing key is a 404, the same as an unknown number")
    func wrongKey() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            _ = try await report(client, code: statue.code)
            for uri in ["/t/20261123-0001?k=wrong", "/t/20261123-0001", "/t/20261123-0009?k=x", "/t/..%2F..%2Fetc?k=x"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(String(buffer: response.body).contains("没有找到这个单号"))
            }
        }
    }

    @Test("the page shows roles, never a phone: neither the resident's nor a responder's")
    func private_() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let location = try await report(client, code: statue.code)
            clock.advance(95)
            try await database.acknowledge(number: "20261123-0001", by: "r-zhao", at: clock.now())
            let html = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(html.contains("网格员已接单"))
            #expect(html.contains("1分35秒内接单，10分钟承诺已兑现"))
            for secret in ["13800000009", "13800000001", "138****", "赵网格员", "r-zhao"] {
                #expect(!html.contains(secret), "page shows \(secret)")
            }
        }
    }

    @Test("once resolved the resident rates it 1–10, once")
    func rating() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let location = try await report(client, code: statue.code, lang: "?lang=en")
            #expect(location.hasSuffix("&lang=en"))
            let key = try #require(statusKey(location))
            let before = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(!before.contains("name=\"rating\""))
            // Rating before it is resolved is refused.
            let early = try await client.execute(
                uri: "/t/20261123-0001/rating", method: .post, headers: .urlencoded, body: ByteBuffer(string: "k=\(key)&rating=9"))
            #expect(early.status == .conflict)

            try await database.acknowledge(number: "20261123-0001", by: "r-zhao", at: clock.now())
            try await database.resolve(number: "20261123-0001", by: "r-zhao", note: "已疏通下水道", at: clock.now())
            let resolved = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(resolved.contains("Resolved"))
            #expect(resolved.contains("已疏通下水道"))
            #expect(resolved.contains("name=\"rating\""))
            #expect(!resolved.contains("http-equiv=\"refresh\""))

            let bad = try await client.execute(
                uri: "/t/20261123-0001/rating?lang=en", method: .post, headers: .urlencoded, body: ByteBuffer(string: "k=\(key)&rating=11"))
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("Choose a score from 1 to 10"))
            let wrongKey = try await client.execute(
                uri: "/t/20261123-0001/rating", method: .post, headers: .urlencoded, body: ByteBuffer(string: "k=nope&rating=9"))
            #expect(wrongKey.status == .notFound)

            let good = try await client.execute(
                uri: "/t/20261123-0001/rating?lang=en", method: .post, headers: .urlencoded,
                body: ByteBuffer(string: "k=\(key)&rating=9&note=%E5%BE%88%E5%BF%AB"))
            #expect(good.status == .seeOther)
            let again = try await client.execute(
                uri: "/t/20261123-0001/rating", method: .post, headers: .urlencoded, body: ByteBuffer(string: "k=\(key)&rating=1"))
            #expect(again.status == .conflict)
        }
        let stored = try #require(try await database.report(number: "20261123-0001"))
        #expect(stored.rating == 9)
        #expect(stored.ratingNote == "很快")
    }

    @Test("a rating body larger than a rating is refused before its key is looked at")
    func ratingBodyBounded() async throws {
        let database = try await seededDatabase()
        _ = try await database.createReport(ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", statusKeyHash: Secret.hash("k")), at: ManualClock().now())
        try await testApp(database).test(.router) { client in
            let body = "k=k&rating=9&note=" + String(repeating: "x", count: 64 * 1024)
            let response = try await client.execute(
                uri: "/t/20261123-0001/rating", method: .post, headers: .urlencoded, body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
        }
    }
}
