import Foundation
import WhistleCore
import WhistleStore

/// What one message says, before a channel shapes it. Never carries the resident's phone.
public struct Notification: Sendable {
    public var event: NotifyEvent
    public var step: Int
    public var responderID: String
    /// The responder's own mobile, for @-mentions in group robots.
    public var responderPhone: String?
    public var community: String
    public var communityID: Int64 = 1
    /// Whether the text names the community: for departments and street staff, who serve several.
    public var namesCommunity = false
    public var reportNumber: String
    public var status: ReportStatus
    public var pointID: String
    public var pointName: String
    public var pointKind: PointKind
    public var category: String
    public var categoryLabel: String
    public var description: String
    public var createdAt: Date
    /// The clock this message is about (the promise, the department's window, the time to resolve); nil for a digest.
    public var window: NotificationWindow?
    /// For a digest: the reports nobody took.
    public var untaken: UntakenList?
    /// The report in the API (for programs: the webhook's `report.link`).
    public var link: String
    /// The report's phone page (`/r/{number}`), which every text message links to; for a digest, the inbox (`/r`).
    public var page: String = ""
    /// The phone inbox (`/r`), where a folded message sends its reader.
    public var inbox: String = ""
    /// The platform's longest text in UTF-8 bytes, when it has one (a digest's list is cut to fit, saying how many more).
    public var textBytes: Int?
    /// A part-time grid worker's report: who found it ("兼职网格员 徐超 (顺丰)"), never their phone.
    public var finderID: String?
    public var finderName: String?
    public var finderEmployer: String?
    /// "兼职网格员 徐超 (顺丰)", as every message names the finder.
    public var finder: String? {
        finderName.map { "兼职网格员 \($0)" + (finderEmployer.map { " (\($0))" } ?? "") }
    }

    public var deadlineAt: Date { window?.deadline ?? createdAt }

    public init(
        event: NotifyEvent, step: Int, responderID: String, responderPhone: String?, community: String = "", reportNumber: String,
        status: ReportStatus, pointID: String, pointName: String, pointKind: PointKind, category: String, categoryLabel: String,
        description: String, createdAt: Date, window: NotificationWindow?, untaken: UntakenList? = nil, link: String
    ) {
        self.event = event
        self.step = step
        self.responderID = responderID
        self.responderPhone = responderPhone
        self.community = community
        self.reportNumber = reportNumber
        self.status = status
        self.pointID = pointID
        self.pointName = pointName
        self.pointKind = pointKind
        self.category = category
        self.categoryLabel = categoryLabel
        self.description = description
        self.createdAt = createdAt
        self.window = window
        self.untaken = untaken
        self.link = link
    }

    /// The plain-text message group robots post: point, category, description, the window it is about, what to do.
    public func text(now: Date) -> String {
        if event == .digest { return digestText() }
        return """
            \(title)\(place) · \(categoryLabel)
            \(Self.excerpt(description, graphemes: 200))\(finder.map { "\n发现人：\($0)" } ?? "")
            单号 \(reportNumber) · \(clause(now: now))
            \(action)
            \(pageOrLink)
            """
    }

    /// One line for a folded message: number, place, what, and the clock.
    public func line(now: Date) -> String {
        "\(title)\(reportNumber) \(place) · \(categoryLabel) · \(clause(now: now))"
    }

    /// The point, after its community's name when the reader serves several.
    var place: String { namesCommunity && !community.isEmpty ? "\(community) · \(pointName)" : pointName }

    var title: String {
        switch (event, window?.kind) {
        case (.breach, .reportIn): "【部门超时未报到】"
        case (.breach, _): "【超时未接单】"
        case (.whistle, _): "【吹哨 · 请报到】"
        case (.remind, _): "【待办结提醒】"
        case (.digest, _): "【每日未接单汇总】"
        case (.notify, _): "【群众吹哨】"
        }
    }

    /// What to do next: tap the link (the phone page), or the CLI's command for those at a computer.
    var action: String {
        switch window?.kind {
        case .reportIn: "点下面的链接报到（或 whistle ack \(reportNumber)）"
        case .resolve: "点下面的链接办结（或 whistle resolve \(reportNumber) --note …）"
        case .promise, nil: "点下面的链接接单（或 whistle ack \(reportNumber)）"
        }
    }

    /// The button's words on a card: what the page it opens is for.
    var buttonLabel: String {
        switch window?.kind {
        case .reportIn: "打开 · 报到"
        case .resolve: "打开 · 办结"
        case .promise, nil: "打开 · 接单"
        }
    }

    /// Where a text message points: the phone page, or the API's address when no page is known.
    var pageOrLink: String { page.isEmpty ? link : page }

    /// The window this message is about, in its own words: a department whistled hours after the report is told about
    /// its own window, not the resident's promise; a reminder speaks of resolving, not of taking.
    func clause(now: Date) -> String {
        guard let window else { return "" }
        let left = window.deadline.timeIntervalSince(now)
        let length = Self.span(TimeInterval(window.seconds))
        switch window.kind {
        case .promise:
            return left > 0 ? "\(length)承诺还剩 \(Self.span(left))" : "\(length)承诺已超时 \(Self.span(-left))"
        case .reportIn:
            return left > 0 ? "请在 \(Self.span(left))内报到" : "报到已超时 \(Self.span(-left))"
        case .resolve:
            return left > 0 ? "办结期限还剩 \(Self.span(left))" : "已接单超过 \(length)，请尽快办结"
        }
    }

    func digestText() -> String {
        guard let untaken else { return title }
        let header = "\(title)\(community) 共 \(untaken.count) 件超时无人接单："
        var lines: [String] = []
        var size = header.utf8.count + pageOrLink.utf8.count + 64
        for item in untaken.oldest {
            let line = "\(item.number) \(item.pointName) · \(item.category) · \(ShanghaiTime.display(item.createdAt))"
            if let textBytes, size + line.utf8.count + 1 > textBytes { break }
            lines.append(line)
            size += line.utf8.count + 1
        }
        if untaken.count > lines.count { lines.append("……另有 \(untaken.count - lines.count) 件") }
        return ([header] + lines + [pageOrLink]).joined(separator: "\n")
    }

    /// `7 分钟`, `3 小时`, `2 天`: whole units, rounded up below an hour so "1 minute left" never reads "0".
    static func span(_ seconds: TimeInterval) -> String {
        if seconds < 5400 { return "\(max(1, Int((seconds / 60).rounded(.up)))) 分钟" }
        if seconds < 2 * 86400 { return "\(Int((seconds / 3600).rounded())) 小时" }
        return "\(Int((seconds / 86400).rounded())) 天"
    }

    /// The resident's text as one bounded paragraph: control and format characters dropped, at most `graphemes`
    /// characters by every count (see `TextLimit`), so a flood of combining marks cannot ride along.
    static func excerpt(_ text: String, graphemes: Int) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.lazy.filter { $0 == "\n" || !$0.properties.generalCategory.isControl }))
            .replacingOccurrences(of: "\n", with: " ")
        let cut = TextLimit.prefix(cleaned, characters: graphemes)
        return cut.utf8.count < cleaned.utf8.count ? cut + "…" : cut
    }
}

extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}
