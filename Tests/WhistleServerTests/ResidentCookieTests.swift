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

/// "您反映过的问题": a resident who scans a plaque again finds the reports filed from this phone (#17).
@Suite("Residents find their reports again")
struct ResidentCookieTests {
    /// GETs `code`'s form with `cookie` and posts a report: the response (303 and the cookie).
    private func report(
        _ client: some TestClientProtocol, code: String, cookie: String?, description: String = "3号楼东侧下水道冒水"
    ) async throws -> TestResponse {
        var get: HTTPFields = [:]
        if let cookie { get[.cookie] = cookie }
        let form = try await client.execute(uri: "/p/\(code)", method: .get, headers: get)
        let token = try #require(formToken(String(buffer: form.body)))
        var headers = HTTPFields.multipart()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(
            uri: "/p/\(code)", method: .post, headers: headers,
            body: multipart([("category", "water"), ("description", description), ("website", ""), ("form_token", token)]))
    }

    private func page(_ client: some TestClientProtocol, code: String, cookie: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: "/p/\(code)", method: .get, headers: headers)
    }

    @Test("after a report the phone keeps a signed cookie; the next scan lists the report with its status and link")
    func listed() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        try await testApp(database, config: ServerConfig(limits: .init(perClient: .init(burst: 50, refillSeconds: 1)))).test(.router) { client in
            let first = try await report(client, code: statue.code, cookie: nil)
            #expect(first.status == .seeOther)
            let header = try #require(first.headers[.setCookie])
            #expect(header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/") && header.contains("Max-Age=31536000"))
            #expect(header.hasPrefix("whistle_mine=") && !header.contains("Secure"))
            let cookie = try #require(setCookie(first))
            let location = try #require(first.headers[.location])
            let number = String(location.dropFirst("/t/".count).prefix(13))

            // Nothing for a phone without the cookie; the list and its link with it.
            #expect(!String(buffer: try await page(client, code: statue.code, cookie: nil).body).contains("您反映过的问题"))
            let again = String(buffer: try await page(client, code: statue.code, cookie: cookie).body)
            #expect(again.contains("您反映过的问题") && again.contains(number) && again.contains("待接单"), "\(again)")
            #expect(again.contains("href=\"\(location.replacingOccurrences(of: "&", with: "&amp;"))\""))
            // Still the cached form page around it: a token, and the list only once.
            #expect(formToken(again) != nil && again.components(separatedBy: "您反映过的问题").count == 2)

            // Its status follows the report; the cookie is unchanged by a visit.
            _ = try await database.acknowledge(number: number, by: "r-zhao", at: Date())
            let taken = try await page(client, code: pharmacy.code, cookie: cookie)
            #expect(String(buffer: taken.body).contains("已接单") && taken.headers[.setCookie] == nil)

            // A second report from this phone, at another plaque: both, newest first.
            let second = try await report(client, code: pharmacy.code, cookie: cookie, description: "药房门口路灯不亮")
            let both = try #require(setCookie(second))
            let number2 = String(try #require(second.headers[.location]).dropFirst("/t/".count).prefix(13))
            let list = String(buffer: try await page(client, code: statue.code, cookie: both).body)
            let at1 = try #require(list.range(of: number)), at2 = try #require(list.range(of: number2))
            #expect(at2.lowerBound < at1.lowerBound)
            #expect(list.contains("惠民大药房"))
        }
    }

    @Test("a tampered cookie lists nothing and is cleared; another phone's report cannot be added by editing it")
    func tampered() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let cookie = try #require(setCookie(try await report(client, code: statue.code, cookie: nil)))
            let (name, value) = (String(cookie.split(separator: "=")[0]), String(cookie.split(separator: "=", maxSplits: 1)[1]))
            // A byte of the list changed, the MAC changed, a number swapped: each refused.
            let flipped = value.replacingOccurrences(of: "1.2026", with: "1.2027")
            var mac = value
            mac.removeLast()
            mac.append(value.hasSuffix("0") ? "1" : "0")
            for bad in [flipped, mac, "1..00", "garbage"] {
                let response = try await page(client, code: statue.code, cookie: "\(name)=\(bad)")
                #expect(!String(buffer: response.body).contains("您反映过的问题"), "\(bad)")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true, "\(bad)")
            }
            // A signed entry whose key does not match its report is left out (the link would not open it anyway).
            let key = try await database.serverKey(named: ResidentReports.keyName)
            let residents = ResidentReports(key: key, trustedProxies: [])
            let number = String(value.dropFirst(2).prefix(13))
            let forged = residents.value([.init(number: number, key: "abcdefghijkmnpqrstuvwxyz")])
            let response = try await page(client, code: statue.code, cookie: "\(name)=\(forged)")
            #expect(!String(buffer: response.body).contains("您反映过的问题") && response.headers[.setCookie] == nil)
        }
    }

    @Test("the clear button forgets this phone's reports; another site cannot press it")
    func clear() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let cookie = try #require(setCookie(try await report(client, code: statue.code, cookie: nil)))
            let html = String(buffer: try await page(client, code: statue.code, cookie: cookie).body)
            let clear = try #require(html.firstMatch(of: #/name="c" value="([0-9a-f]+)"/#).map { String($0.1) })
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(uri: "/p/\(statue.code)/mine/clear", method: .post, headers: headers, body: formBody([("c", "00")]))
            #expect(wrong.status == .forbidden)
            headers[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let crossSite = try await client.execute(uri: "/p/\(statue.code)/mine/clear", method: .post, headers: headers, body: formBody([("c", clear)]))
            #expect(crossSite.status == .forbidden)
            headers[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            let cleared = try await client.execute(uri: "/p/\(statue.code)/mine/clear", method: .post, headers: headers, body: formBody([("c", clear)]))
            #expect(cleared.status == .seeOther && cleared.headers[.location] == "/p/\(statue.code)")
            #expect(cleared.headers[.setCookie]?.hasPrefix("whistle_mine=;") == true && cleared.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The privacy notice says what the cookie holds.
            #expect(html.contains("签名的Cookie") && html.contains("可随时在本页清除"))
        }
    }

    @Test("the cookie keeps the newest ten, and refuses more than that as sent")
    func bounded() throws {
        let residents = ResidentReports(key: Array(repeating: 7, count: 32), trustedProxies: [])
        let entries = (1...11).map { ResidentReports.Entry(number: String(format: "20261123-%04d", $0), key: "abcdefghijkmnpqrstuvwxyz") }
        guard case .valid(let kept) = residents.parse(residents.value(entries)) else {
            Issue.record("not valid")
            return
        }
        #expect(kept == Array(entries.prefix(10)))
        #expect(residents.parse("1.\(entries.map { "\($0.number)_\($0.key)" }.joined(separator: "~")).00") == .tampered)
    }
}
