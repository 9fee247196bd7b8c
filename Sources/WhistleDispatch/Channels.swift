import Crypto
import Foundation
import WhistleCore
import WhistleStore

/// An HTTP request a channel wants sent.
public struct ChannelRequest: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: Data
}

/// How a delivery attempt ended.
public enum ChannelOutcome: Sendable, Equatable {
    case delivered
    /// Worth trying again, after at least `after` seconds when the server said so.
    case retry(after: TimeInterval?, reason: String)
    /// Will not work by trying again (bad address, bad secret): recorded and given up.
    case fail(reason: String)
}

/// Shapes messages for each channel and reads each platform's answer.
public enum Channels {
    /// The request for `notification` on `channel` at `now`; nil for `log`, which writes a line instead.
    public static func request(
        for channel: Channel, _ notification: Notification, idempotencyKey: String, now: Date
    ) throws -> ChannelRequest? {
        try request(for: channel, notification, text: notification.text(now: now), mentions: notification.responderPhone.map { [$0] } ?? [],
            idempotencyKey: idempotencyKey, now: now)
    }

    /// The request for a message with its text already written (one report, or several folded into one robot message).
    /// `single`: the message is about this one report (not a fold of several, not a digest), so a platform that shows
    /// a button without losing the @-mention gets a card whose button opens the report's page.
    public static func request(
        for channel: Channel, _ notification: Notification, text: String, mentions: [String], idempotencyKey: String, now: Date,
        single: Bool = true
    ) throws -> ChannelRequest? {
        switch channel {
        case .log:
            return nil
        case .webhook(let url, let secret):
            let body = try webhookBody(notification)
            let signature = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            return ChannelRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"), ("X-Whistle-Event", notification.event.rawValue), ("X-Whistle-Delivery", idempotencyKey),
                    ("X-Whistle-Signature", "sha256=" + hex(signature)),
                ], body: body)
        case .wecom(let url):
            // Markdown cannot @-mention by mobile; text can.
            let body = try json(["msgtype": "text", "text": ["content": text, "mentioned_mobile_list": mentions]])
            return ChannelRequest(url: url, headers: [("Content-Type", "application/json")], body: body)
        case .dingtalk(let url, let secret):
            var address = url
            if let secret, !secret.isEmpty {
                let timestamp = String(Int64(now.timeIntervalSince1970 * 1000))
                let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
                let sign = Data(mac).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                address += (url.contains("?") ? "&" : "?") + "timestamp=\(timestamp)&sign=\(sign)"
            }
            // DingTalk's actionCard would give a button, but its documented fields (title, text, singleTitle,
            // singleURL, btns, btnOrientation, hideAvatar) have no `at`: the worker would no longer be paged by name.
            // Text keeps the @-mention, and DingTalk makes the last line's link tappable.
            let body = try json(["msgtype": "text", "text": ["content": text], "at": ["atMobiles": mentions, "isAtAll": false]])
            return ChannelRequest(url: address, headers: [("Content-Type", "application/json")], body: body)
        case .feishu(let url, let secret):
            // A Feishu custom bot cannot @ by mobile at all, so a card loses nothing: one report gets an interactive card
            // with a button to its page; a fold or a digest stays text.
            var payload: [String: Any] =
                single && notification.event != .digest && !notification.page.isEmpty
                ? ["msg_type": "interactive", "card": feishuCard(notification, now: now)] : ["msg_type": "text", "content": ["text": text]]
            if let secret, !secret.isEmpty {
                let timestamp = String(Int64(now.timeIntervalSince1970))
                // Feishu signs the other way round: the string is the key, the message is empty.
                let mac = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8)))
                payload["timestamp"] = timestamp
                payload["sign"] = Data(mac).base64EncodedString()
            }
            return ChannelRequest(url: url, headers: [("Content-Type", "application/json")], body: try json(payload))
        }
    }

    /// Feishu's interactive card for one report. Everything a resident wrote, and every name, goes in `plain_text`
    /// (never `lark_md`), so a description holding `<at id=all></at>` or a markdown link reaches the group as text.
    static func feishuCard(_ notification: Notification, now: Date) -> [String: Any] {
        func text(_ content: String) -> [String: Any] { ["tag": "div", "text": ["tag": "plain_text", "content": content]] }
        return [
            "config": ["wide_screen_mode": true],
            "header": [
                "template": notification.event == .notify ? "red" : "orange",
                "title": ["tag": "plain_text", "content": "\(notification.title)\(notification.place) · \(notification.categoryLabel)"],
            ],
            "elements": [
                text(Notification.excerpt(notification.description, graphemes: 200)),
                text("单号 \(notification.reportNumber) · \(notification.clause(now: now))"),
                [
                    "tag": "action",
                    "actions": [
                        [
                            "tag": "button", "type": "primary", "text": ["tag": "plain_text", "content": notification.buttonLabel],
                            "url": notification.page,
                        ]
                    ],
                ],
            ],
        ]
    }

    /// Reads the platform's answer: a non-zero `errcode`/`code` is a failure even with HTTP 200.
    public static func outcome(for channel: Channel, status: Int, headers: [(String, String)], body: Data, now: Date) -> ChannelOutcome {
        let retryAfter = headers.first { $0.0.lowercased() == "retry-after" }.flatMap { parseRetryAfter($0.1, now: now) }
        switch status {
        case 200..<300: break
        case 429: return .retry(after: retryAfter, reason: "HTTP 429 Too Many Requests")
        case 408, 425, 500..<600: return .retry(after: retryAfter, reason: "HTTP \(status)")
        default: return .fail(reason: "HTTP \(status)")
        }
        switch channel {
        case .webhook, .log:
            return .delivered
        case .wecom, .dingtalk, .feishu:
            guard let answer = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                return .retry(after: nil, reason: "unreadable answer from \(channel.kind)")
            }
            let code = (answer["errcode"] ?? answer["code"] ?? answer["StatusCode"]) as? Int ?? 0
            guard code != 0 else { return .delivered }
            let message = (answer["errmsg"] ?? answer["msg"] ?? answer["StatusMessage"]) as? String ?? ""
            // WeCom 45009 and DingTalk 130101 are "too many messages"; Feishu 11232 likewise.
            if [45009, 130101, 11232, -1].contains(code) { return .retry(after: retryAfter ?? 60, reason: "\(channel.kind) \(code): \(message)") }
            return .fail(reason: "\(channel.kind) \(code): \(message)")
        }
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
        if let seconds = TimeInterval(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }

    static func webhookBody(_ notification: Notification) throws -> Data {
        let report: WebhookPayload.ReportInfo? =
            notification.event == .digest
            ? nil
            : .init(
                number: notification.reportNumber, status: notification.status.rawValue,
                point: .init(id: notification.pointID, name: notification.pointName, kind: notification.pointKind.rawValue),
                category: notification.category, description: notification.description, created_at: notification.createdAt,
                deadline_at: notification.deadlineAt, link: notification.link, page: notification.page,
                found_by: notification.finderID.map {
                    .init(id: $0, name: notification.finderName ?? $0, employer: notification.finderEmployer)
                })
        let window = notification.window.map {
            WebhookPayload.WindowInfo(kind: $0.kind.rawValue, seconds: $0.seconds, deadline_at: $0.deadline)
        }
        let untaken = notification.untaken.map { list in
            WebhookPayload.UntakenInfo(
                count: list.count,
                reports: list.oldest.map { .init(number: $0.number, point: $0.pointName, category: $0.category, created_at: $0.createdAt) })
        }
        let payload = WebhookPayload(
            event: notification.event.rawValue, step: notification.step, responder: notification.responderID, community: notification.community,
            community_id: notification.communityID,
            window: window, report: report, untaken: untaken)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(payload)
    }

    static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// The JSON body of the webhook channel (see CONTRACT.md).
struct WebhookPayload: Codable {
    struct PointInfo: Codable {
        var id, name, kind: String
    }

    struct ReportInfo: Codable {
        var number, status: String
        var point: PointInfo
        var category, description: String
        var created_at, deadline_at: Date
        /// The report in the API.
        var link: String
        /// The report's phone page (`/r/{number}`).
        var page: String
        /// A part-time grid worker's report: who found it (absent otherwise); never a phone.
        var found_by: FinderInfo?
    }

    struct FinderInfo: Codable {
        var id, name: String
        var employer: String?
    }

    /// The clock the message is about: `promise`, `report_in` (a department's window) or `resolve`.
    struct WindowInfo: Codable {
        var kind: String
        var seconds: Int64
        var deadline_at: Date
    }

    struct UntakenInfo: Codable {
        struct Item: Codable {
            var number, point, category: String
            var created_at: Date
        }

        var count: Int
        var reports: [Item]
    }

    var event: String
    var step: Int
    var responder: String
    var community: String
    var community_id: Int64
    var window: WindowInfo?
    var report: ReportInfo?
    /// A digest's list of untaken reports.
    var untaken: UntakenInfo?
}
