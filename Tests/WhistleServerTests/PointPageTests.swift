import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WhistleCore
import WhistleServer
import GRDB
import WhistleStore
import WhistleTestSupport

@Suite("Point page")
struct PointPageTests {
    @Test("health and readiness")
    func health() async throws {
        let app = try await testApp(try await seededDatabase())
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("on a shared store /readyz fails while this node's clock is off the database's; on SQLite the clock is its own")
    func readinessAndClock() async throws {
        struct Offset: WallClock {
            let seconds: TimeInterval
            func now() -> Date { Date().addingTimeInterval(seconds) }
        }
        let database = try await seededDatabase()
        try await testApp(database, clock: Offset(seconds: 0)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
        try await testApp(database, clock: Offset(seconds: 3600)).test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            if database.isShared {
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("clock is 3600 s off the database's"))
            } else {
                #expect(response.status == .ok)
            }
        }
    }

    @Test("a point's page shows its name, kind, address and the community's categories, in Chinese and English")
    func page() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        let app = try await testApp(database)
        try await app.test(.router) { client in
            try await client.execute(uri: "/p/\(statue.code)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("<h1>红哨塑像（南门）</h1>"))
                #expect(html.contains("扫码吹哨 · 10分钟响应"))
                #expect(html.contains("晨宇小区南门"))
                #expect(html.contains("老人求助"))
                #expect(html.contains("lang=\"zh\""))
            }
            try await client.execute(uri: "/p/\(statue.code)?lang=en", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("lang=\"en\""))
                #expect(html.contains("What is the problem?"))
            }
        }
    }

    @Test("the form is kept rendered, but each resident gets a fresh token, and a change to the point shows at once")
    func keptPages() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            let first = String(buffer: try await client.execute(uri: "/p/\(statue.code)", method: .get).body)
            let second = String(buffer: try await client.execute(uri: "/p/\(statue.code)", method: .get).body)
            let (a, b) = (try #require(formToken(first)), try #require(formToken(second)))
            #expect(a != b)
            #expect(first.replacingOccurrences(of: a, with: "") == second.replacingOccurrences(of: b, with: ""))
            #expect(!first.contains("\u{1}"))
            // Renamed by another connection (an import, another process): the next page says so.
            let other = try await AppDatabase.open(database.path)
            try await other.write { tx in try tx.execute("UPDATE point SET name = '红哨子雕塑（新）' WHERE id = 'statue-south-gate'") }
            let renamed = String(buffer: try await client.execute(uri: "/p/\(statue.code)", method: .get).body)
            #expect(renamed.contains("红哨子雕塑（新）"))
            // Kept per language: the English page is its own, with its own token slot filled.
            let english = String(buffer: try await client.execute(uri: "/p/\(statue.code)?lang=en", method: .get).body)
            #expect(english.contains("action=\"/p/\(statue.code)?lang=en\""))
            #expect(!renamed.contains("?lang=en\""))
            #expect(formToken(english) != nil && !english.contains("\u{1}"))
        }
    }

    @Test("a page whose text holds the token's slot is rendered whole, not kept (and the server does not stop)")
    func slotInAName() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await database.write { tx in
            try tx.execute("UPDATE point SET name = ? WHERE id = 'statue-south-gate'", ["南门\u{1}form-token\u{1}"])
        }
        try await testApp(database).test(.router) { client in
            let response = try await client.execute(uri: "/p/\(statue.code)", method: .get)
            #expect(response.status == .ok)
            #expect(formToken(String(buffer: response.body)) != nil)
        }
    }

    @Test("a merchant's page lists its services")
    func merchant() async throws {
        let database = try await seededDatabase()
        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        try await testApp(database).test(.router) { client in
            try await client.execute(uri: "/p/\(pharmacy.code)", method: .get) { response in
                #expect(String(buffer: response.body).contains("免费测血压 · 应急药品 · 饮用热水"))
            }
        }
    }

    @Test("an unknown or rotated code is a friendly 404 page")
    func notFound() async throws {
        let database = try await seededDatabase()
        let old = try #require(try await database.point(id: "statue-south-gate")).code
        _ = try await database.rotateCode(pointID: "statue-south-gate")
        try await testApp(database).test(.router) { client in
            for uri in ["/p/\(old)", "/p/ZZZZZZZZZZZZZ", "/p/%3Cscript%3E"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body).contains("没有找到这个二维码"))
                }
            }
        }
    }

    @Test("names from the community file are escaped")
    func escaping() async throws {
        let database = try await seededDatabase { $0.replacingOccurrences(of: "name: 惠民大药房", with: "name: \"<script>alert(1)</script>\"") }
        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        try await testApp(database).test(.router) { client in
            try await client.execute(uri: "/p/\(pharmacy.code)", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(!html.contains("<script>"))
                #expect(html.contains("&lt;script&gt;"))
            }
        }
    }

    @Test("every answer carries the security headers")
    func headers() async throws {
        try await testApp(try await seededDatabase()).test(.router) { client in
            for uri in ["/healthz", "/p/ZZZZZZZZZZZZZ", "/nowhere"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true, "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                }
            }
        }
    }

    @Test("each view of a point's page is counted for plaque health")
    func scanCount() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        try await testApp(database).test(.router) { client in
            for _ in 0..<3 { try await client.execute(uri: "/p/\(statue.code)", method: .get) { _ in } }
        }
        let total: Int? = try await database.value("SELECT SUM(count) FROM scan_count WHERE point_id = 'statue-south-gate'")
        #expect(total == 3)
    }

    @Test("a page view writes nothing at once: counts go in together every few seconds (and at shutdown)", .enabled(if: TestBackend.isSQLite, "counts statements with SQLite's trace"))
    func scansAreBatched() async throws {
        let database = try await seededDatabase()
        let statue = try #require(try await database.point(id: "statue-south-gate"))
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var writes = 0
        }
        let log = Log()
        try await database.writer.write { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event, statement.sql.contains("scan_count") { log.lock.withLock { log.writes += 1 } }
            }
        }
        var config = ServerConfig()
        config.scanFlushEvery = .seconds(600)
        try await testApp(database, config: config).test(.router) { client in
            for _ in 0..<50 { try await client.execute(uri: "/p/\(statue.code)", method: .get) { _ in } }
            // Fifty views, not one write yet: page views no longer queue residents' reports behind fsyncs.
            #expect(log.lock.withLock { log.writes } == 0)
        }
        #expect(log.lock.withLock { log.writes } == 1)
        let total: Int? = try await database.value("SELECT SUM(count) FROM scan_count WHERE point_id = 'statue-south-gate'")
        #expect(total == 50)
    }

    @Test("a half-sent request does not hold its connection past the idle timeout")
    func idleConnectionsClose() async throws {
        let database = try await seededDatabase()
        var config = ServerConfig()
        config.idleTimeout = .seconds(1)
        try await testApp(database, config: config).test(.live) { client in
            let port = try #require(client.port)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            let partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
            _ = partial.withCString { send(fd, $0, strlen($0), 0) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let started = ContinuousClock.now
            var byte: UInt8 = 0
            // The server closes the connection (recv returns 0) instead of waiting for the rest forever.
            let received = await Task.detached { recv(fd, &byte, 1, 0) }.value
            #expect(received == 0)
            #expect(started.duration(to: .now) < .seconds(5))
        }
    }
}
