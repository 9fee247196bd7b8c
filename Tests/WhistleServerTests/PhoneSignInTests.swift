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

/// Signing a phone in: the link's page, the single-use POST, the cookie's attributes, revocation and signing out.
@Suite("Phone sign-in")
struct PhoneSignInTests {
    @Test("a link's page can be opened any number of times; its button signs in once; a second tap or a late one is 410")
    func singleUse() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        let token = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 86400, at: clock.now())
        let late = try await database.issueLoginLink(responderID: "r-qian", lifetime: 3600, at: clock.now())
        try await testApp(database, clock: clock).test(.router) { client in
            for _ in 0..<2 {
                let page = try await client.execute(uri: "/r/login/\(token)", method: .get)
                #expect(page.status == .ok)
                let html = String(buffer: page.body)
                #expect(html.contains("赵网格员") && html.contains("网格员") && html.contains("请勿转发"))
                #expect(html.contains(#"<form method="post" action="/r/login/\#(token)">"#))
                #expect(page.headers[.setCookie] == nil)
            }
            let signed = try await client.execute(uri: "/r/login/\(token)", method: .post)
            #expect(signed.status == .seeOther)
            #expect(signed.headers[.location] == "/r")
            let cookie = try #require(signed.headers[.setCookie])
            #expect(cookie.hasPrefix("whistle="))
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=15552000"] { #expect(cookie.contains(attribute), "\(attribute)") }
            #expect(!cookie.contains("Secure"))
            // The cookie opens the inbox.
            let inbox = try await client.execute(uri: "/r", method: .get, headers: [.cookie: setCookie(signed)!])
            #expect(inbox.status == .ok)
            #expect(String(buffer: inbox.body).contains("赵网格员 · 网格员"))
            #expect(try await client.execute(uri: "/r/login/\(token)", method: .post).status == .gone)
            #expect(try await client.execute(uri: "/r/login/\(token)", method: .get).status == .gone)
            clock.advance(3601)
            #expect(try await client.execute(uri: "/r/login/\(late)", method: .get).status == .gone)
            #expect(try await client.execute(uri: "/r/login/\(late)", method: .post).status == .gone)
            #expect(try await client.execute(uri: "/r/login/nonsense", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/r/login/nonsense", method: .post).status == .notFound)
            // A sign-in posted from another site is refused.
            let fresh = try await database.issueLoginLink(responderID: "r-li", lifetime: 3600, at: clock.now())
            let crossSite = try await client.execute(
                uri: "/r/login/\(fresh)", method: .post, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)
            #expect(crossSite.headers[.setCookie] == nil)
        }
    }

    @Test("without a live session every page sends the phone to the sign-in help, and a stale cookie is cleared")
    func noSession() async throws {
        let database = try await apiDatabase()
        let created = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "下水道冒水", statusKeyHash: "h"), at: ManualClock().now())
        let number = created.report.number
        try await testApp(database).test(.router) { client in
            for uri in ["/r", "/r/\(number)", "/r/20990101-0001", "/r/nonsense"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/r/signin")
                #expect(!String(buffer: response.body).contains("下水道"))
            }
            let ack = try await client.execute(uri: "/r/\(number)/ack", method: .post, headers: .urlencoded, body: formBody([("csrf", "x")]))
            #expect(ack.status == .seeOther)
            let forged = try await client.execute(uri: "/r", method: .get, headers: [.cookie: "whistle=forged"])
            #expect(forged.status == .seeOther)
            #expect(forged.headers[.setCookie]?.contains("Max-Age=0") == true)
            let help = try await client.execute(uri: "/r/signin", method: .get)
            #expect(help.status == .ok)
            #expect(String(buffer: help.body).contains("扫一扫"))
            // The constant routes are never taken for a report number.
            #expect(try await client.execute(uri: "/r/login/x", method: .get).status == .notFound)
        }
        #expect(try await database.report(number: number)?.status == .open)
    }

    @Test("revoking, or the responder leaving the file, ends the phone's session at its next page")
    func revoked() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let zhao = try await signIn("r-zhao", database, client, at: clock.now())
            let qian = try await signIn("r-qian", database, client, at: clock.now())
            #expect(try await client.execute(uri: "/r", method: .get, headers: zhao.headers).status == .ok)
            try await database.revokeSignIns(responderID: "r-zhao", at: clock.now())
            let after = try await client.execute(uri: "/r", method: .get, headers: zhao.headers)
            #expect(after.status == .seeOther)
            #expect(after.headers[.setCookie]?.contains("Max-Age=0") == true)
            try await database.write { tx in try tx.execute("UPDATE responder SET active = FALSE WHERE id = 'r-qian'") }
            #expect(try await client.execute(uri: "/r", method: .get, headers: qian.headers).status == .seeOther)
        }
    }

    @Test("signing out needs the page's token; it ends the session")
    func logout() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let phone = try await signIn("r-zhao", database, client, at: clock.now())
            #expect(try await client.execute(uri: "/r/logout", method: .post, headers: phone.form, body: formBody([])).status == .forbidden)
            let html = String(buffer: try await client.execute(uri: "/r", method: .get, headers: phone.headers).body)
            let csrf = try #require(csrfToken(html))
            let out = try await client.execute(uri: "/r/logout", method: .post, headers: phone.form, body: formBody([("csrf", csrf)]))
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/r/signin")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/r", method: .get, headers: phone.headers).status == .seeOther)
        }
    }

    @Test("a session in use is renewed once a day, cookie included")
    func renewal() async throws {
        let database = try await apiDatabase()
        let clock = ManualClock()
        try await testApp(database, clock: clock).test(.router) { client in
            let phone = try await signIn("r-zhao", database, client, at: clock.now())
            clock.advance(3600)
            #expect(try await client.execute(uri: "/r", method: .get, headers: phone.headers).headers[.setCookie] == nil)
            clock.advance(170 * 86400)
            let renewed = try await client.execute(uri: "/r", method: .get, headers: phone.headers)
            #expect(renewed.status == .ok)
            #expect(renewed.headers[.setCookie]?.contains("Max-Age=15552000") == true)
            // 180 days after the first sign-in, the renewed session still works.
            clock.advance(20 * 86400)
            #expect(try await client.execute(uri: "/r", method: .get, headers: phone.headers).status == .ok)
        }
    }

    @Test("behind a trusted TLS proxy the cookie is __Host- and Secure; the same header from anyone else changes nothing")
    func tls() async throws {
        let database = try await apiDatabase()
        let https: HTTPFields = [HTTPField.Name("X-Forwarded-Proto")!: "https", HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]
        for (trusted, secure) in [(Set(["127.0.0.1"]), true), (Set(["192.0.2.1"]), false)] {
            let token = try await database.issueLoginLink(responderID: "r-zhao", lifetime: 3600, at: Date())
            try await testApp(database, clock: SystemWallClock(), config: ServerConfig(port: 0, trustedProxies: trusted)).test(.live) { client in
                let response = try await client.execute(uri: "/r/login/\(token)", method: .post, headers: https)
                #expect(response.status == .seeOther)
                let cookie = try #require(response.headers[.setCookie])
                #expect(cookie.hasPrefix(secure ? "__Host-whistle=" : "whistle="))
                #expect(cookie.contains("Secure") == secure)
                let value = setCookie(response)!
                // Each scheme reads only its own cookie name.
                let inbox = try await client.execute(uri: "/r", method: .get, headers: https + [.cookie: value])
                #expect(inbox.status == .ok)
                if secure {
                    let plain = value.replacingOccurrences(of: "__Host-whistle=", with: "whistle=")
                    #expect(try await client.execute(uri: "/r", method: .get, headers: https + [.cookie: plain]).status == .seeOther)
                }
            }
        }
    }
}

private func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
    var fields = lhs
    fields.append(contentsOf: rhs)
    return fields
}
