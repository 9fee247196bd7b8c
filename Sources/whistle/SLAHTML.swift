import Foundation
import WhistleCore
import WhistleStore

/// The SLA report as one self-contained HTML file: no external assets, charts as inline SVG, readable on a
/// phone and printable on A4.
enum SLAHTML {
    static func esc(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The street's communities side by side, first thing on the page: where the promise holds and where it breaks.
    static func communitiesTable(_ communities: [SLAReport.CommunityItem]) -> String {
        guard !communities.isEmpty else { return "" }
        var html = "<h2>Communities side by side</h2><div class=\"wrap\"><table id=\"communities\"><tr><th>Community</th><th>Reports</th>"
        html += "<th>Kept</th><th>Take p50</th><th>Breaches</th><th>Satisfaction</th><th>Plaques</th><th>No scan</th><th>Not verified</th></tr>\n"
        for item in communities {
            let f = item.figures
            let weak = (f.keptPercent ?? 100) < 90
            html += "<tr><td>\(esc(item.name))</td><td>\(f.reports)</td>"
            html += "<td\(weak ? " style=\"color:#b00020;font-weight:bold\"" : "")>\(esc(SLAText.percent(f.keptPercent)))</td>"
            html += "<td>\(esc(SLAText.duration(f.ackP50)))</td><td>\(f.breaches)</td>"
            html += "<td>\(esc(f.ratingAverage.map { String(format: "%.1f", $0) } ?? "-"))</td><td>\(item.points)</td>"
            html += "<td>\(item.pointsWithoutScans)</td><td>\(item.pointsNotVerified)</td></tr>\n"
        }
        return html + "</table></div>"
    }

    static func render(_ report: SLAReport) -> String {
        let o = report.overall
        let title = "\(report.community) · 10分钟承诺 SLA · \(SLAText.day(report.from)) – \(SLAText.day(report.to))"
        var html = """
            <!doctype html>
            <html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>\(esc(title))</title>
            <style>
            body{font:15px/1.5 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;color:#1a1a1a;margin:0;background:#fff}
            main{max-width:60rem;margin:0 auto;padding:1rem}
            h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem;border-bottom:2px solid #b00020}
            .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem}
            .card{border:1px solid #ccc;border-radius:.4rem;padding:.5rem .7rem}.card b{display:block;font-size:1.5rem}
            .bad b{color:#b00020}.muted{color:#555}
            table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:right}
            th:first-child,td:first-child{text-align:left;white-space:nowrap}.wrap{overflow-x:auto}td.t{text-align:left}
            svg{max-width:100%;height:auto}
            @media print{@page{size:A4;margin:12mm}body{font-size:11px}main{max-width:none;padding:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
            </style></head><body><main>
            <h1>\(esc(title))</h1>
            <p class="muted">Generated \(esc(ShanghaiTime.display(report.generatedAt))) (Asia/Shanghai). \
            Excluded: \(report.excludedRejected) rejected. Duplicates (\(o.duplicates)) are counted apart: they ride on their original's clock.</p>
            <div class="cards">
            \(card("Reports", String(o.reports)))
            \(card("Taken within 10 min", "\(o.kept) · \(SLAText.percent(o.keptPercent))", bad: (o.keptPercent ?? 100) < 90))
            \(card("Time to take, p50 / p90", "\(SLAText.duration(o.ackP50)) / \(SLAText.duration(o.ackP90))"))
            \(card("Breaches", String(o.breaches), bad: o.breaches > 0))
            \(card("Resolved", "\(o.resolved) · \(SLAText.percent(o.resolvedPercent))"))
            \(card("Time to fix, p50", SLAText.duration(o.resolveP50)))
            \(card("Open now", String(o.openNow)))
            \(card("Satisfaction", o.ratingAverage.map { String(format: "%.1f / 10 (%d)", $0, o.ratings) } ?? "-"))
            </div>
            \(communitiesTable(report.communities))
            <h2>Reports per day and % taken within the promise</h2>
            \(dailyChart(report.daily))
            <h2>Time to take a report (minutes)</h2>
            \(histogram(report.ackHistogram))

            """
        let rows = [report.overall] + report.groups
        html += "<h2>\(report.by.map { "By \($0.rawValue)" } ?? "Overall")</h2><div class=\"wrap\"><table><tr><th></th>"
        html += SLAText.columns.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
        for (index, row) in rows.enumerated() {
            html += "<tr><td>\(esc(index == 0 ? "all" : row.label))</td>" + SLAText.cells(row).map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n"
        }
        html += "</table></div>\n<h2>Breaches</h2>"
        if report.breaches.isEmpty {
            html += "<p>None: every report was taken within the promise.</p>"
        } else {
            let several = !report.communities.isEmpty
            html += "<div class=\"wrap\"><table><tr><th>Number</th>\(several ? "<th>Community</th>" : "")<th>Point</th><th>Reported</th><th>Late</th><th>Taken</th><th>Notified (step: who)</th></tr>\n"
            for item in report.breaches {
                html += "<tr><td>\(esc(item.number))</td>" + (several ? "<td class=\"t\">\(esc(item.community ?? ""))</td>" : "")
                html += "<td class=\"t\">\(esc(item.point))</td><td>\(esc(ShanghaiTime.display(item.createdAt)))</td>"
                html += "<td>\(esc(SLAText.duration(item.lateSeconds)))</td><td>\(item.taken ? "yes" : "<b>not yet</b>")</td>"
                html += "<td class=\"t\">\(esc(item.notified.joined(separator: " | ")))</td></tr>\n"
            }
            html += "</table></div>"
        }
        if !report.departments.isEmpty {
            html += "\n<h2>Whistled to departments (吹哨 → 报到)</h2><table><tr><th>Department</th><th>Whistled</th><th>Reported in</th><th>p50</th><th>max</th></tr>"
            for item in report.departments {
                html += "<tr><td>\(esc(item.name))</td><td>\(item.whistled)</td><td>\(item.reportedIn)</td>"
                html += "<td>\(esc(SLAText.duration(item.reportInP50)))</td><td>\(esc(SLAText.duration(item.reportInMax)))</td></tr>"
            }
            html += "</table>"
        }
        if let part = report.partTime {
            html += "\n<h2>Found by part-time grid workers (兼职网格员)</h2><p>\(part.workers) workers, \(part.overall.reports) reports</p>"
            html += "<div class=\"wrap\"><table><tr><th>Who</th><th>Reports</th><th>Kept</th><th>Ack p50</th><th>Resolved</th><th>Fix p50</th><th>Dupes</th></tr>\n"
            let employers = part.employers.map { e -> SLAFigures in
                var e = e
                e.label = "employer: " + e.label
                return e
            }
            for f in [part.overall] + part.people + employers {
                html += "<tr><td>\(esc(f.label))</td><td>\(f.reports)</td><td>\(esc(SLAText.percent(f.keptPercent)))</td>"
                html += "<td>\(esc(SLAText.duration(f.ackP50)))</td><td>\(f.resolved)</td><td>\(esc(SLAText.duration(f.resolveP50)))</td>"
                html += "<td>\(f.duplicates)</td></tr>\n"
            }
            html += "</table></div>"
        }
        html += "\n<h2>Plaque health</h2><div class=\"wrap\"><table><tr><th>Point</th><th>Scans</th><th>Reports</th><th>Per scan</th><th>Last verified</th></tr>\n"
        for item in report.plaques {
            html += "<tr><td>\(esc(item.name))</td><td>\(item.scans)</td><td>\(item.reports)</td>"
            html += "<td>\(item.reportsPerScan.map { String(format: "%.2f", $0) } ?? "-")</td>"
            html += "<td>\(esc(item.lastVerified.map(ShanghaiTime.display) ?? "never"))</td></tr>\n"
        }
        html += "</table></div>"
        if !report.pointsWithoutScans.isEmpty {
            html += "<p><b>No scan in the period</b> (plaque damaged, hidden or gone?): \(esc(report.pointsWithoutScans.joined(separator: ", ")))</p>"
        }
        if !report.pointsNotVerified.isEmpty {
            html += "<p><b>Not verified on patrol in 90 days:</b> \(esc(report.pointsNotVerified.joined(separator: ", ")))</p>"
        }
        html += "\n</main></body></html>\n"
        return html
    }

    static func card(_ title: String, _ value: String, bad: Bool = false) -> String {
        "<div class=\"card\(bad ? " bad" : "")\">\(esc(title))<b>\(esc(value))</b></div>"
    }

    /// Bars for reports per day, a red line for the % kept (right axis, 0–100%).
    static func dailyChart(_ days: [SLAReport.Day]) -> String {
        guard !days.isEmpty else { return "<p class=\"muted\">No reports in the period.</p>" }
        let width = 720.0
        let height = 220.0
        let left = 40.0
        let right = 40.0
        let top = 10.0
        let bottom = 30.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        let maxReports = max(1, days.map(\.reports).max() ?? 1)
        let step = plotW / Double(days.count)
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"reports per day\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\" stroke=\"#999\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 10)\" font-size=\"11\" text-anchor=\"end\">\(maxReports)</text>"
        svg += "<text x=\"\(left + plotW + 4)\" y=\"\(top + 10)\" font-size=\"11\" fill=\"#b00020\">100%</text>"
        var line: [String] = []
        for (index, day) in days.enumerated() {
            let x = left + Double(index) * step
            let barH = plotH * Double(day.reports) / Double(maxReports)
            svg += "<rect x=\(fmt(x + step * 0.15)) y=\(fmt(top + plotH - barH)) width=\(fmt(step * 0.7)) height=\(fmt(barH)) fill=\"#9bb7d4\"><title>\(SLAText.day(day.day)): \(day.reports)</title></rect>"
            if day.reports > 0 {
                let percent = Double(day.kept) / Double(day.reports)
                line.append(String(format: "%.1f,%.1f", x + step / 2, top + plotH * (1 - percent)))
            }
            // At most about a dozen date labels, so they never overlap.
            if index % max(1, (days.count + 11) / 12) == 0 {
                svg += "<text x=\(fmt(x + step / 2)) y=\"\(height - 12)\" font-size=\"10\" text-anchor=\"middle\">\(String(day.day.suffix(4)))</text>"
            }
        }
        svg += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"#b00020\" stroke-width=\"2\"/>"
        return svg + "</svg>"
    }

    /// Minutes to acknowledge, with the 10-minute line.
    static func histogram(_ buckets: [SLAReport.Bucket]) -> String {
        let width = 720.0
        let height = 200.0
        let left = 40.0
        let top = 10.0
        let bottom = 30.0
        let plotW = width - left - 20
        let plotH = height - top - bottom
        let maxCount = max(1, buckets.map(\.count).max() ?? 1)
        let step = plotW / Double(max(1, buckets.count))
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"time to take\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, bucket) in buckets.enumerated() {
            let x = left + Double(index) * step
            let barH = plotH * Double(bucket.count) / Double(maxCount)
            let colour = bucket.minute < 10 ? "#5a9e6f" : "#b00020"
            svg += "<rect x=\(fmt(x + 2)) y=\(fmt(top + plotH - barH)) width=\(fmt(step - 4)) height=\(fmt(barH)) fill=\"\(colour)\"><title>\(bucket.count)</title></rect>"
            let label = index == buckets.count - 1 ? "\(bucket.minute)+" : "\(bucket.minute)"
            svg += "<text x=\(fmt(x + step / 2)) y=\"\(height - 12)\" font-size=\"10\" text-anchor=\"middle\">\(label)</text>"
            if bucket.count > 0 {
                svg += "<text x=\(fmt(x + step / 2)) y=\(fmt(top + plotH - barH - 3)) font-size=\"10\" text-anchor=\"middle\">\(bucket.count)</text>"
            }
        }
        let tenX = left + 10 * step
        svg += "<line x1=\(fmt(tenX)) y1=\"\(top)\" x2=\(fmt(tenX)) y2=\"\(top + plotH)\" stroke=\"#b00020\" stroke-dasharray=\"4 3\"/>"
        svg += "<text x=\(fmt(tenX + 4)) y=\"\(top + 12)\" font-size=\"11\" fill=\"#b00020\">10 min</text>"
        return svg + "</svg>"
    }

    static func fmt(_ value: Double) -> String { "\"" + String(format: "%.1f", value) + "\"" }
}
