import Foundation
import WhistleCore
import WhistleStore

/// The SLA report as a terminal table, CSV and JSON.
enum SLAText {
    static func duration(_ seconds: Int?) -> String {
        guard let seconds else { return "-" }
        if seconds < 3600 { return String(format: "%d:%02d", seconds / 60, seconds % 60) }
        if seconds < 86400 * 2 { return String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60) }
        return "\(seconds / 86400)d\(seconds % 86400 / 3600)h"
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0) } ?? "-" }

    static func day(_ stamp: String) -> String {
        stamp.count == 8 ? "\(stamp.prefix(4))-\(stamp.dropFirst(4).prefix(2))-\(stamp.suffix(2))" : stamp
    }

    static let columns = ["REPORTS", "KEPT", "KEPT%", "ACK p50", "ACK p90", "ACK max", "BREACHES", "WHISTLED", "RESOLVED", "RESOLVED%",
                          "FIX p50", "FIX p90", "OPEN", "RATING", "DUPES"]

    static func cells(_ f: SLAFigures) -> [String] {
        [String(f.reports), String(f.kept), percent(f.keptPercent), duration(f.ackP50), duration(f.ackP90), duration(f.ackMax),
         String(f.breaches), String(f.whistled), String(f.resolved), percent(f.resolvedPercent), duration(f.resolveP50),
         duration(f.resolveP90), String(f.openNow), f.ratingAverage.map { String(format: "%.1f (%d)", $0, f.ratings) } ?? "-",
         String(f.duplicates)]
    }

    static func table(_ report: SLAReport, style: Style) -> String {
        var out = style.bold("\(report.community) — 10分钟承诺 SLA, \(day(report.from)) … \(day(report.to))") + "\n"
        let o = report.overall
        out += "\(o.reports) reports; taken within the promise: \(o.kept) (\(percent(o.keptPercent))); breaches: \(o.breaches); "
        out += "resolved: \(o.resolved) (\(percent(o.resolvedPercent))); open now: \(o.openNow)\n"
        out += "excluded: \(report.excludedRejected) rejected; \(o.duplicates) duplicates counted apart\n\n"
        if !report.communities.isEmpty {
            out += style.bold("Communities") + "\n"
            out += TextTable.render(
                [["COMMUNITY", "REPORTS", "KEPT%", "ACK p50", "BREACHES", "RATING", "POINTS", "NO SCAN", "NOT VERIFIED"]]
                    + report.communities.map { c in
                        let f = c.figures
                        return [c.name, String(f.reports), percent(f.keptPercent), duration(f.ackP50), String(f.breaches),
                                f.ratingAverage.map { String(format: "%.1f", $0) } ?? "-", String(c.points), String(c.pointsWithoutScans),
                                String(c.pointsNotVerified)]
                    })
            out += "\n"
        }
        var rows = [[report.by.map { $0.rawValue.uppercased() } ?? "", ] + columns]
        rows.append(["all"] + cells(o))
        for group in report.groups { rows.append([group.label] + cells(group)) }
        out += TextTable.render(rows)
        if !report.breaches.isEmpty {
            out += "\n" + style.red("Breaches") + "\n"
            let several = !report.communities.isEmpty
            out += TextTable.render(
                [["NUMBER"] + (several ? ["COMMUNITY"] : []) + ["POINT", "LATE", "TAKEN", "NOTIFIED"]]
                    + report.breaches.prefix(20).map {
                        [$0.number] + (several ? [$0.community ?? ""] : [])
                            + [$0.point, duration($0.lateSeconds), $0.taken ? "yes" : "NOT YET", $0.notified.joined(separator: " | ")]
                    })
            if report.overall.breaches > 20 {
                out += "… \(report.overall.breaches - 20) more: --format csv, json or html lists up to \(report.breaches.count)\n"
            }
        }
        if !report.departments.isEmpty {
            out += "\nDepartments (吹哨 → 报到)\n"
            out += TextTable.render([["DEPARTMENT", "WHISTLED", "REPORTED IN", "p50", "max"]] + report.departments.map {
                [$0.name, String($0.whistled), String($0.reportedIn), duration($0.reportInP50), duration($0.reportInMax)]
            })
        }
        if let part = report.partTime {
            out += "\nFound by part-time grid workers (兼职网格员): \(part.workers) workers, \(part.overall.reports) reports\n"
            out += TextTable.render(
                [["WHO", "REPORTS", "KEPT%", "ACK p50", "RESOLVED", "FIX p50", "DUPES"]]
                    + ([part.overall] + part.people + part.employers.map { e in
                        var e = e
                        e.label = "employer: " + e.label
                        return e
                    }).map {
                        [$0.label, String($0.reports), percent($0.keptPercent), duration($0.ackP50), String($0.resolved), duration($0.resolveP50),
                         String($0.duplicates)]
                    })
        }
        out += "\nPlaque health\n"
        out += TextTable.render([["POINT", "SCANS", "REPORTS", "PER SCAN", "LAST VERIFIED"]] + report.plaques.map {
            [$0.name, String($0.scans), String($0.reports), $0.reportsPerScan.map { String(format: "%.2f", $0) } ?? "-",
             $0.lastVerified.map(ShanghaiTime.display) ?? "never"]
        })
        if !report.pointsWithoutScans.isEmpty { out += "no scan in the period (damaged, hidden or gone?): \(report.pointsWithoutScans.joined(separator: ", "))\n" }
        if !report.pointsNotVerified.isEmpty { out += "not verified on patrol in 90 days: \(report.pointsNotVerified.joined(separator: ", "))\n" }
        return out
    }

    static func csv(_ report: SLAReport) -> String {
        let header = ["group", "label", "reports", "kept", "kept_percent", "acknowledged", "ack_p50_s", "ack_p90_s", "ack_max_s", "breaches",
                      "whistled", "resolved", "resolved_percent", "resolve_p50_s", "resolve_p90_s", "open_now", "rating_average", "ratings",
                      "duplicates"]
        func field(_ value: Any?) -> String {
            let text: String
            switch value {
            case nil: text = ""
            case let double as Double: text = String(format: "%.1f", double)
            case let some?: text = "\(some)"
            }
            return text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        // A street's communities follow the groups, as rows `community/ID`.
        let communities = report.communities.map { item -> SLAFigures in
            var figures = item.figures
            figures.group = "community/\(item.id)"
            figures.label = item.name
            return figures
        }
        // What part-time grid workers found: rows `part_time/all`, `part_time/person/ID`, `part_time/employer/NAME`.
        var partTime: [SLAFigures] = []
        if let part = report.partTime {
            var all = part.overall
            all.group = "part_time/all"
            partTime.append(all)
            partTime += part.people.map { var f = $0; f.group = "part_time/person/\(f.group)"; return f }
            partTime += part.employers.map { var f = $0; f.group = "part_time/employer/\(f.group)"; return f }
        }
        let rows = ([report.overall] + report.groups + communities + partTime).map { f -> String in
            let values: [Any?] = [f.group, f.label, f.reports, f.kept, f.keptPercent, f.acknowledged, f.ackP50, f.ackP90, f.ackMax, f.breaches,
                                  f.whistled, f.resolved, f.resolvedPercent, f.resolveP50, f.resolveP90, f.openNow, f.ratingAverage, f.ratings,
                                  f.duplicates]
            return values.map(field).joined(separator: ",")
        }
        return ([header.joined(separator: ",")] + rows).joined(separator: "\n") + "\n"
    }

    static func json(_ report: SLAReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }
}
