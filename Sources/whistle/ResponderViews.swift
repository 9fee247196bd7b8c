import Foundation
import WhistleAPI

/// A report as the API returns it: the wire type the server encodes, decoded.
typealias RemoteReport = ReportDTO

extension ReportDTO {
    static func decodeList(_ data: Data) throws -> [ReportDTO] { try decoder.decode([ReportDTO].self, from: data) }
    static func decode(_ data: Data) throws -> ReportDTO { try decoder.decode(ReportDTO.self, from: data) }

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
