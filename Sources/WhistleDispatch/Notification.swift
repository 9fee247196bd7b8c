import Foundation
import WhistleCore
import WhistleStore

/// What one message says, before a channel shapes it. Never carries the resident's phone.
public struct Notification: Sendable {
    public var event: String
    public var step: Int
    public var responderID: String
    /// The responder's own mobile, for @-mentions in group robots.
    public var responderPhone: String?
    public var reportNumber: String
    public var status: ReportStatus
    public var pointID: String
    public var pointName: String
    public var pointKind: PointKind
    public var category: String
    public var categoryLabel: String
    public var description: String
    public var createdAt: Date
    public var deadlineAt: Date
    /// Where a responder can look at the report.
    public var link: String

    public init(
        event: String, step: Int, responderID: String, responderPhone: String?, reportNumber: String, status: ReportStatus, pointID: String,
        pointName: String, pointKind: PointKind, category: String, categoryLabel: String, description: String, createdAt: Date,
        deadlineAt: Date, link: String
    ) {
        self.event = event
        self.step = step
        self.responderID = responderID
        self.responderPhone = responderPhone
        self.reportNumber = reportNumber
        self.status = status
        self.pointID = pointID
        self.pointName = pointName
        self.pointKind = pointKind
        self.category = category
        self.categoryLabel = categoryLabel
        self.description = description
        self.createdAt = createdAt
        self.deadlineAt = deadlineAt
        self.link = link
    }

    /// The plain-text message group robots post: point, category, description, time left, how to take it.
    public func text(now: Date) -> String {
        let title: String
        switch event {
        case "report.breach": title = "【超时未接单】"
        case "report.whistle": title = "【吹哨 · 请报到】"
        case "report.remind": title = "【待办结提醒】"
        default: title = "【群众吹哨】"
        }
        let left = deadlineAt.timeIntervalSince(now)
        let clock =
            left > 0
            ? "10分钟承诺还剩 \(Int((left / 60).rounded(.up))) 分钟"
            : "已超时 \(Int((-left / 60).rounded(.up))) 分钟"
        // The description is the resident's text: one paragraph, bounded, control characters dropped.
        let cleaned = String(description.unicodeScalars.filter { $0 == "\n" || !$0.properties.generalCategory.isControl }
            .map(Character.init)).replacingOccurrences(of: "\n", with: " ")
        let body = cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned
        return """
            \(title)\(pointName) · \(categoryLabel)
            \(body)
            单号 \(reportNumber) · \(clock)
            接单：whistle ack \(reportNumber)
            \(link)
            """
    }
}

extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}
