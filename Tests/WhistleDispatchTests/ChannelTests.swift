import Clocks
import Crypto
import Foundation
import GRDB
import HTTPTypes
import Testing
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

private func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }


/// Walks a Feishu card: only the keys and tags of the documented card used here, and every text `plain_text`.
private func checkFeishuCard(_ card: [String: Any]) {
    #expect(Set(card.keys) == ["config", "header", "elements"])
    let header = card["header"] as? [String: Any] ?? [:]
    #expect(Set(header.keys) == ["template", "title"])
    #expect((header["title"] as? [String: Any])?["tag"] as? String == "plain_text")
    for element in card["elements"] as? [[String: Any]] ?? [] {
        switch element["tag"] as? String {
        case "div":
            #expect(Set(element.keys) == ["tag", "text"])
            #expect((element["text"] as? [String: Any])?["tag"] as? String == "plain_text")
        case "action":
            for action in element["actions"] as? [[String: Any]] ?? [] {
                #expect(Set(action.keys) == ["tag", "type", "text", "url"])
                #expect(action["tag"] as? String == "button")
                #expect((action["text"] as? [String: Any])?["tag"] as? String == "plain_text")
            }
        default:
            Issue.record("unexpected element \(element)")
        }
    }
}

private func header(_ received: Receiver.Received, _ name: String) -> String? { received.headers[HTTPField.Name(name)!] }

@Suite("Channels over real HTTP on loopback", .serialized)
struct ChannelTests {
    @Test("the webhook carries the contract's body and headers, signed with the channel's secret, without the resident's phone")
    func webhook() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        try await dispatcher(store, clock: clock).pass()
        let hook = try #require(await receiver.received.first { $0.path == "/hook" })
        #expect(header(hook, "Content-Type") == "application/json")
        #expect(header(hook, "X-Whistle-Event") == "report.notify")
        #expect(header(hook, "X-Whistle-Delivery") == "20261123-0001/notify/0/r-zhao/0")
        let mac = HMAC<SHA256>.authenticationCode(for: hook.body, using: SymmetricKey(data: Data("s3cret".utf8)))
        #expect(header(hook, "X-Whistle-Signature") == "sha256=" + hex(mac))
        let body = json(hook.body)
        #expect(body["event"] as? String == "report.notify")
        #expect(body["step"] as? Int == 0)
        #expect(body["responder"] as? String == "r-zhao")
        let report = try #require(body["report"] as? [String: Any])
        #expect(report["number"] as? String == "20261123-0001")
        #expect(report["status"] as? String == "open")
        #expect(report["category"] as? String == "water")
        #expect((report["point"] as? [String: Any])?["kind"] as? String == "statue")
        #expect(report["created_at"] as? String == "2026-11-23T01:00:00Z")
        #expect(report["deadline_at"] as? String == "2026-11-23T01:10:00Z")
        #expect(report["link"] as? String == "http://127.0.0.1:8080/api/v1/reports/20261123-0001")
        #expect(report["page"] as? String == "http://127.0.0.1:8080/r/20261123-0001")
        #expect(!String(decoding: hook.body, as: UTF8.self).contains("13800000009"))
    }

    @Test("WeCom, DingTalk and Feishu get their own formats and signatures; none carries the resident's phone")
    func robots() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        let dispatcher = dispatcher(store, clock: clock)
        try await walk(dispatcher, clock, every: 60, for: 9 * 60)
        let received = await receiver.received
        for message in received { #expect(!String(decoding: message.body, as: UTF8.self).contains("13800000009")) }

        let wecom = try #require(received.first { $0.path == "/wecom" })
        let wecomText = try #require(json(wecom.body)["text"] as? [String: Any])
        #expect(json(wecom.body)["msgtype"] as? String == "text")
        #expect(wecomText["mentioned_mobile_list"] as? [String] == ["13800000002"])
        let content = try #require(wecomText["content"] as? String)
        #expect(content.contains("红哨塑像（南门）") && content.contains("漏水") && content.contains("下水道冒水"))
        #expect(content.contains("点下面的链接接单（或 whistle ack 20261123-0001）"))
        #expect(content.contains("还剩 7 分钟"))
        // The link is the last line: the report's phone page, not the API.
        #expect(content.split(separator: "\n").last == "http://127.0.0.1:8080/r/20261123-0001")

        let ding = try #require(received.first { $0.path == "/ding" })
        // Timestamp in ms and the signature over "timestamp\nsecret", added to the robot's own query.
        let items = try #require(URLComponents(string: base + "/ding?" + ding.query)?.queryItems)
        let dingTimestamp = try #require(items.first { $0.name == "timestamp" }?.value)
        let dingSign = Data(
            HMAC<SHA256>.authenticationCode(for: Data("\(dingTimestamp)\nSECding".utf8), using: SymmetricKey(data: Data("SECding".utf8)))
        ).base64EncodedString()
        #expect(items.first { $0.name == "sign" }?.value == dingSign)
        #expect(items.first { $0.name == "access_token" }?.value == "T")
        // DingTalk stays text: its actionCard has no `at`, and the worker must be paged by name.
        #expect(json(ding.body)["msgtype"] as? String == "text")
        #expect((json(ding.body)["at"] as? [String: Any])?["isAtAll"] as? Bool == false)
        #expect((json(ding.body)["at"] as? [String: Any])?["atMobiles"] as? [String] != nil)
        let dingContent = try #require((json(ding.body)["text"] as? [String: Any])?["content"] as? String)
        #expect(dingContent.split(separator: "\n").last?.hasSuffix("/r/20261123-0001") == true)

        let feishu = try #require(received.first { $0.path == "/feishu" })
        let body = json(feishu.body)
        let timestamp = try #require(body["timestamp"] as? String)
        let key = SymmetricKey(data: Data("\(timestamp)\nFSsecret".utf8))
        #expect(body["sign"] as? String == Data(HMAC<SHA256>.authenticationCode(for: Data(), using: key)).base64EncodedString())
        #expect(Int(timestamp) == Int(t0.addingTimeInterval(540).timeIntervalSince1970))
        // One report: an interactive card whose button opens the report's page.
        #expect(body["msg_type"] as? String == "interactive")
        let card = try #require(body["card"] as? [String: Any])
        checkFeishuCard(card)
        let button = (((card["elements"] as? [[String: Any]])?.last?["actions"] as? [[String: Any]])?.first)
        #expect(button?["url"] as? String == "http://127.0.0.1:8080/r/20261123-0001")
        #expect((button?["text"] as? [String: Any])?["content"] as? String == "打开 · 接单")
    }

    @Test("a Feishu card holds only the documented keys and tags, and what a resident wrote only as plain_text")
    func feishuCardFields() throws {
        let notification = Notification(
            event: .notify, step: 0, responderID: "r-shang", responderPhone: nil, reportNumber: "20261123-0001", status: .open,
            pointID: "p", pointName: "点位", pointKind: .statue, category: "water", categoryLabel: "漏水",
            description: "<at id=all></at>[点我](http://evil.example) **粗体**", createdAt: t0,
            window: NotificationWindow(kind: .promise, deadline: t0.addingTimeInterval(600), seconds: 600), link: "https://x/api/v1/reports/20261123-0001")
        var paged = notification
        paged.page = "https://x/r/20261123-0001"
        let request = try #require(try Channels.request(for: .feishu(url: "https://open.feishu.cn/hook", secret: nil), paged, idempotencyKey: "k", now: t0))
        let body = json(request.body)
        let card = try #require(body["card"] as? [String: Any])
        checkFeishuCard(card)
        let texts = (card["elements"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? [String: Any] }
        #expect(texts.first?["content"] as? String == "<at id=all></at>[点我](http://evil.example) **粗体**")
        // Folded or without a page: text, as before.
        let folded = try #require(
            try Channels.request(for: .feishu(url: "https://x", secret: nil), paged, text: "t", mentions: [], idempotencyKey: "k", now: t0, single: false))
        #expect(json(folded.body)["msg_type"] as? String == "text")
        let noPage = try #require(try Channels.request(for: .feishu(url: "https://x", secret: nil), notification, idempotencyKey: "k", now: t0))
        #expect(json(noPage.body)["msg_type"] as? String == "text")
    }

    @Test("the DingTalk signature: timestamp in ms and the url-encoded base64 HMAC of \"timestamp\\nsecret\"")
    func dingtalkSignature() throws {
        let notification = Notification(
            event: .notify, step: 0, responderID: "r-li", responderPhone: nil, reportNumber: "20261123-0001", status: .open,
            pointID: "p", pointName: "点位", pointKind: .statue, category: "water", categoryLabel: "漏水", description: "d", createdAt: t0,
            window: NotificationWindow(kind: .promise, deadline: t0.addingTimeInterval(600), seconds: 600), link: "https://x/api/v1/reports/20261123-0001")
        let request = try #require(
            try Channels.request(for: .dingtalk(url: "https://oapi.dingtalk.com/robot/send?access_token=T", secret: "SEC"), notification,
                idempotencyKey: "k", now: t0))
        let items = try #require(URLComponents(string: request.url)?.queryItems)
        let timestamp = try #require(items.first { $0.name == "timestamp" }?.value)
        #expect(timestamp == String(Int64(t0.timeIntervalSince1970 * 1000)))
        let expected = Data(HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\nSEC".utf8), using: SymmetricKey(data: Data("SEC".utf8))))
            .base64EncodedString()
        // URLComponents decodes the percent-encoding back.
        #expect(items.first { $0.name == "sign" }?.value == expected)
        #expect(items.first { $0.name == "access_token" }?.value == "T")
    }

    @Test("a 500 is retried with the same idempotency key until it succeeds")
    func retries500() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.answer("/hook", [(.internalServerError, [:], "boom"), (.badGateway, [:], "boom")])
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        let dispatcher = dispatcher(store, clock: clock)
        try await dispatcher.pass()
        try await walk(dispatcher, clock, every: 1, for: 10)
        let hooks = await receiver.received.filter { $0.path == "/hook" }
        #expect(hooks.count == 3)
        #expect(Set(hooks.map { header($0, "X-Whistle-Delivery") }).count == 1)
        let row = try #require(try await store.outbox(reportID: 1).first { $0.responderID == "r-zhao" && $0.step == 0 })
        #expect(row.deliveredAt != nil)
        #expect(row.attempts == 3)
    }

    @Test("a 429 waits at least its Retry-After")
    func retryAfter() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.answer("/hook", [(.tooManyRequests, [.retryAfter: "30"], "slow down")])
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        let dispatcher = dispatcher(store, clock: clock)
        try await dispatcher.pass()
        let row = try #require(try await store.outbox(reportID: 1).first { $0.responderID == "r-zhao" && $0.step == 0 })
        #expect(row.nextTryAt.timeIntervalSince(t0) >= 30)
        try await walk(dispatcher, clock, every: 5, for: 25)
        #expect(await receiver.count("/hook") == 1)
        try await walk(dispatcher, clock, every: 5, for: 10)
        #expect(await receiver.count("/hook") == 2)
    }

    @Test("a robot's non-zero errcode with HTTP 200 is a failure, recorded with the reason")
    func errcode() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.answer("/wecom", [(.ok, [:], #"{"errcode":93000,"errmsg":"invalid webhook url"}"#)])
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        let dispatcher = dispatcher(store, clock: clock)
        try await walk(dispatcher, clock, every: 60, for: 3 * 60)
        let row = try #require(try await store.outbox(reportID: 1).first { $0.responderID == "r-qian" })
        #expect(row.failedAt != nil)
        #expect(row.lastError == "wecom 93000: invalid webhook url")
        #expect(try await store.events(reportID: 1).contains { $0.kind == "delivery_failed" })
    }

    @Test("a hung channel does not delay another responder's delivery")
    func deadChannel() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        await receiver.delay("/hook", by: .seconds(4))
        let store = try await database(channels: wired(base))
        let clock = TestClock<Duration>()
        _ = try await store.createReport(draft(), at: t0)
        let dispatcher = dispatcher(store, clock: clock)
        try await dispatcher.pass()
        await clock.advance(by: .seconds(180))
        try await dispatcher.pass()
        let finished = Date()
        let wecom = try #require(await receiver.received.first { $0.path == "/wecom" })
        // The pass waited out the hung webhook's 2 s timeout; the WeCom message had arrived long before it ended,
        // so it was not queued behind the webhook.
        #expect(finished.timeIntervalSince(wecom.at) > 1.0)
        let hook = try #require(try await store.outbox(reportID: 1).first { $0.responderID == "r-zhao" && $0.step == 1 })
        #expect(hook.deliveredAt == nil && hook.lastError != nil)
    }

    @Test("a robot at its limit gets one folded message, nothing dropped")
    func folding() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: { _ in [.wecom(url: base + "/wecom?key=K")] })
        let clock = TestClock<Duration>()
        let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]
        for point in ["statue-south-gate", "station-service-centre", "station-guard-north"] {
            for category in categories { _ = try await store.createReport(draft(point, category: category), at: t0) }
        }
        try await dispatcher(store, clock: clock).pass()
        let messages = await receiver.received.filter { $0.path == "/wecom" }
        #expect(messages.count == 20)
        let folded = messages.compactMap { (json($0.body)["text"] as? [String: Any])?["content"] as? String }.filter { $0.contains("待处理汇总") }
        #expect(folded.count == 1)
        #expect(folded.first?.split(separator: "\n").last == "详情与接单：http://127.0.0.1:8080/r")
        // 24 reports' first steps: 19 alone, 5 in the folded message; every row is delivered.
        let undelivered = try await store.value("SELECT COUNT(*) FROM outbox WHERE step = 0 AND delivered_at IS NULL", as: Int.self) ?? -1
        #expect(undelivered == 0)
    }

    @Test("restart: stop with steps pending, advance, start anew on the same file: every due step fires exactly once, late")
    func restart() async throws {
        let receiver = Receiver()
        let (base, server) = try await Receiver.start(receiver)
        defer { server.cancel() }
        let store = try await database(channels: wired(base))
        _ = try await store.createReport(draft(), at: t0)
        let first = TestClock<Duration>()
        try await dispatcher(store, clock: first).pass()
        #expect(await receiver.received.count == 1)

        // The process stops; seven minutes later a new one opens the same file.
        let reopened = try await AppDatabase.open(store.path)
        let second = TestClock<Duration>()
        let later = dispatcher(reopened, clock: second, epoch: t0.addingTimeInterval(7 * 60))
        try await later.pass()
        try await later.pass()
        let keys = await receiver.received.compactMap { header($0, "X-Whistle-Delivery") }
        #expect(keys == ["20261123-0001/notify/0/r-zhao/0", "20261123-0001/notify/1/r-zhao/0"])
        // Steps 1 (3:00, grid worker and backup) and 2 (6:00, leader) fired once each; step 3 (9:00) is not due yet.
        #expect(await receiver.count("/wecom") == 1)
        #expect(await receiver.count("/ding") == 1)
        #expect(await receiver.count("/feishu") == 0)
        let late = try await reopened.events(reportID: 1).filter { $0.kind == "notified" && $0.detail["late"] == "true" }
        #expect(late.count == 3)
    }
}
