import ArgumentParser
import Foundation
import WhistleAPI

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Store the server and your token for the commands below.")
    @Option(help: "The community's Whistle server.") var server: String
    @Option(help: "Your API token.") var token: String

    func run() async throws {
        try await oneLine {
            let config = RemoteConfig(server: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")), token: token)
            let me = try RemoteReport.decoder.decode(MeDTO.self, from: try await APIClient(config: config).get("/me"))
            try config.save()
            let reach = me.community.map { ", \($0.name)" } ?? (me.role == "street" ? ", every community" : "")
            print("logged in to \(config.server) as \(me.name) (\(me.id), \(me.role)\(reach)); saved in \(RemoteConfig.path)")
        }
    }
}

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox", abstract: "Open reports for me (or all I may see), oldest first, with time left in the promise.")
    @Flag(help: "Every open report I may see, not only mine and my grids'.") var all = false
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await oneLine {
            let api = APIClient(config: try remote.resolve())
            let data = try await api.get("/reports")
            if remote.json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            var reports = try RemoteReport.decodeList(data)
            if !all {
                // Mine: not yet taken, or taken by me, or whistled to me; the server already limits to my grids.
                let me = try RemoteReport.decoder.decode(MeDTO.self, from: try await api.get("/me")).id
                reports = reports.filter { $0.ack_by == nil || $0.ack_by == me || $0.whistled_to == me }
            }
            guard !reports.isEmpty else {
                print("nothing open — 暂无待办")
                return
            }
            let style = Style.current
            // A department or the street sees several communities: then each row says which.
            let several = Set(reports.map(\.community.id)).count > 1
            let rows = [["NUMBER", "LEFT", "STATUS"] + (several ? ["COMMUNITY"] : []) + ["POINT", "CATEGORY", "DESCRIPTION"]]
                + reports.map { report in
                    [report.number, Countdown.text(report, style: style), report.status] + (several ? [report.community.name] : [])
                        + [report.point.name, report.category_label,
                           String(report.description.replacingOccurrences(of: "\n", with: " ").prefix(30))]
                }
            print(TextTable.render(rows), terminator: "")
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One report with its timeline.")
    @Argument(help: "The report number, e.g. 20261125-0042.") var number: String
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await oneLine {
            let config = try remote.resolve()
            let data = try await APIClient(config: config).get("/reports/\(number)")
            if remote.json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let report = try RemoteReport.decode(data)
            let style = Style.current
            print(style.bold("\(report.number)  \(report.category_label)  [\(report.status)]"))
            print("point:    \(report.point.name) (\(report.point.kind), grid \(report.point.grid))\(report.point.address.map { " — \($0)" } ?? "")")
            print("community: \(report.community.name)")
            print("reported: \(Shanghai.display(report.created_at))   promise: \(Countdown.text(report, style: style))")
            if let phone = report.phone { print("phone:    \(phone)") }
            if let via = report.via { print("via:      \(via.replacingOccurrences(of: "open311:", with: "")) (Open311)") }
            if let reporter = report.reporter {
                print("reporter: " + [reporter.name, reporter.email].compactMap { $0 }.joined(separator: " · "))
            }
            print("\n\(report.description)\n")
            for photo in report.photos ?? [] { print("photo:    \(config.server)\(photo)") }
            for entry in report.timeline ?? [] {
                let who = entry.actor.map { " by \($0)" } ?? ""
                let extra = entry.detail.filter { ["note", "to", "responder", "channel", "late"].contains($0.key) }
                    .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("  \(Shanghai.display(entry.at))  \(entry.kind)\(who)  \(style.dim(extra))")
            }
        }
    }
}

struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "接单: take the report; stops the promise clock.")
    @Argument(help: "The report number.") var number: String
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await oneLine {
            let report = try RemoteReport.decode(try await APIClient(config: try remote.resolve()).post("/reports/\(number)/ack"))
            let took = report.ack_at.map { Int($0.timeIntervalSince(report.created_at)) }
            if report.status == "whistled" {
                print("\(report.number): reported in (报到)")
            } else if let took {
                print("\(report.number): taken (接单) after \(took / 60)m\(String(format: "%02d", took % 60))s\(took <= 600 ? ", within the 10-minute promise" : "")")
            }
        }
    }
}

struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resolve", abstract: "办结: mark the report fixed; the resident sees the note.")
    @Argument(help: "The report number.") var number: String
    @Option(help: "What was done.") var note: String
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await oneLine {
            _ = try await APIClient(config: try remote.resolve()).post("/reports/\(number)/resolve", ["note": note])
            print("\(number): resolved (办结)")
        }
    }
}

struct BlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blow", abstract: "吹哨: hand the report to a department, which must report in.")
    @Argument(help: "The report number.") var number: String
    @Option(help: "The department's id (see the community file).") var to: String
    @Option(help: "What the department must do.") var note: String
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await oneLine {
            _ = try await APIClient(config: try remote.resolve()).post("/reports/\(number)/whistle", ["to": to, "note": note])
            print("\(number): whistled to \(to) (吹哨); it must report in within the promise")
        }
    }
}

enum Shanghai {
    static func display(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
