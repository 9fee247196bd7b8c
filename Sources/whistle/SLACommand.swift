import ArgumentParser
import Foundation
import WhistleCore
import WhistleStore

extension SLAGrouping: ExpressibleByArgument {}

struct SLACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla",
        abstract: "Was the 10-minute promise kept? Figures for a period, overall and per group.",
        discussion: """
            Dates are local (Asia/Shanghai) days, inclusive; the default is the last 30 days. Rejected reports are \
            excluded and duplicates counted apart (they ride on their original's clock). A street's report opens with its \
            communities side by side; --community ID narrows it to one. Works on the local database (--db: every \
            community) or over the API (--server, --token) with a grid leader's or the secretary's token (their \
            community) or a street staff member's (any).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, html }

    @Option(help: "First day, YYYY-MM-DD (default: 29 days before --to).") var from: String?
    @Option(help: "Last day, YYYY-MM-DD (default: today).") var to: String?
    @Option(help: "Split by grid, responder, point, category, kind or community.") var by: SLAGrouping?
    @Option(help: "Only this community (by id); default every community, side by side.") var community: Int64?
    @Option(help: "table, csv, json or html.") var format: Format = .table
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: .init("SQLite database file or postgres:// URL (default: $WHISTLE_DB or ./whistle.sqlite).", valueName: "file|url")) var db: String?
    @Option(help: "A Whistle server, to read the figures through its API.") var server: String?
    @Option(help: "Your API token for --server.") var token: String?

    func run() async throws {
        try await oneLine {
            let (first, last) = try Self.period(from: from, to: to, now: Date())
            let report: SLAReport
            if let server = server ?? (db == nil ? ProcessInfo.processInfo.environment["WHISTLE_SERVER"] : nil) {
                guard let token = token ?? ProcessInfo.processInfo.environment["WHISTLE_TOKEN"] ?? RemoteConfig.load()?.token else {
                    throw CLIError("--server needs --token (or $WHISTLE_TOKEN)")
                }
                let api = APIClient(config: RemoteConfig(server: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")), token: token))
                var query = "/sla?from=\(first)&to=\(last)"
                if let by { query += "&by=\(by.rawValue)" }
                if let community { query += "&community=\(community)" }
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                report = try decoder.decode(SLAReport.self, from: try await api.get(query))
            } else {
                let store = try await DatabaseOptions(db: db ?? ProcessInfo.processInfo.environment["WHISTLE_DB"] ?? "whistle.sqlite").open()
                if let community, try await store.community(id: community) == nil {
                    throw CLIError("no community \(community) in this database (whistle points list shows them)")
                }
                report = try await store.slaReport(from: first, to: last, by: by, communities: community.map { [$0] }, now: Date())
            }
            let text: String =
                switch format {
                case .table: SLAText.table(report, style: out == nil ? Style.current : Style(colour: false))
                case .csv: SLAText.csv(report)
                case .json: try SLAText.json(report)
                case .html: SLAHTML.render(report)
                }
            if let out {
                do {
                    try text.write(toFile: out, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIError("cannot write \(out): \(error.localizedDescription)")
                }
                FileHandle.standardErrorWrite("wrote \(out)\n")
            } else {
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    /// `YYYYMMDD` bounds from `YYYY-MM-DD` options, defaulting to the 30 days ending today in Shanghai.
    static func period(from: String?, to: String?, now: Date) throws -> (String, String) {
        func parse(_ text: String, _ name: String) throws -> Date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = ShanghaiTime.timeZone
            formatter.dateFormat = text.contains("-") ? "yyyy-MM-dd" : "yyyyMMdd"
            formatter.isLenient = false
            guard let date = formatter.date(from: text) else { throw CLIError("--\(name) \(text) is not a date such as 2026-11-25") }
            return date
        }
        let end = try to.map { try parse($0, "to") } ?? now
        let start = try from.map { try parse($0, "from") } ?? end.addingTimeInterval(-29 * 86400)
        guard start <= end else { throw CLIError("--from is after --to") }
        return (ShanghaiTime.dayStamp(start), ShanghaiTime.dayStamp(end))
    }
}
