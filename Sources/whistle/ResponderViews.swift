import Foundation

/// A report as the API returns it (the fields the CLI shows).
struct RemoteReport: Decodable {
    struct PointInfo: Decodable {
        var id, name, kind, grid: String
        var address: String?
    }

    struct TimelineEntry: Decodable {
        var at: Date
        var kind: String
        var actor: String?
        var detail: [String: String]
    }

    var number: String
    var status: String
    var point: PointInfo
    var category: String
    var category_label: String
    var description: String
    var phone: String?
    var created_at: Date
    var deadline_at: Date
    var seconds_left: Int?
    var breached: Bool
    var ack_by: String?
    var ack_at: Date?
    var whistled_to: String?
    var resolved_at: Date?
    var photos: [String]?
    var timeline: [TimelineEntry]?

    static func decodeList(_ data: Data) throws -> [RemoteReport] { try decoder.decode([RemoteReport].self, from: data) }
    static func decode(_ data: Data) throws -> RemoteReport { try decoder.decode(RemoteReport.self, from: data) }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Terminal styling: colour only on a TTY, and never with NO_COLOR.
struct Style {
    let colour: Bool

    static var current: Style {
        Style(colour: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }

    func red(_ text: String) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}

enum Countdown {
    /// `7:42` left, red under 3 minutes, `超时 4m` once past, `已接单` once taken.
    static func text(_ report: RemoteReport, style: Style) -> String {
        guard let left = report.seconds_left else {
            return report.status == "whistled" ? "已吹哨" : (report.ack_by != nil ? "已接单" : "—")
        }
        if left < 0 { return style.red("超时 \((-left + 59) / 60)m") }
        let text = String(format: "%d:%02d", left / 60, left % 60)
        return left < 180 ? style.red(text) : text
    }
}
