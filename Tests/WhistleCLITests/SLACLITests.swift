import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

@Suite("whistle sla: every format", .serialized)
struct SLACLITests {
    let period = ["--from", "2026-11-23", "--to", "2026-11-24"]

    private func history() async throws -> String {
        try await slaHistory().path
    }

    @Test("table: headline, groups, breaches, departments, plaque health")
    func table() async throws {
        let db = try await history()
        let run = try whistle(["sla", "--db", db, "--by", "grid"] + period, environment: ["NO_COLOR": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let out = run.stdout
        #expect(out.contains("晨宇社区 — 10分钟承诺 SLA, 2026-11-23 … 2026-11-24"))
        #expect(out.contains("5 reports; taken within the promise: 3 (60.0%); breaches: 2; resolved: 3 (60.0%); open now: 2"))
        #expect(out.contains("excluded: 1 rejected; 1 duplicates counted apart"))
        #expect(out.range(of: #"第一网格\s+2\s+2\s+100\.0%\s+2:00\s+10:00\s+10:00\s+0"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.range(of: #"第二网格\s+3\s+1\s+33\.3%\s+5:00\s+15:00\s+15:00\s+2\s+1\s+1"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.contains("20261123-0004  北门门卫室"))
        #expect(out.contains("0: r-zhao"))
        #expect(out.contains("红色物业"))
        #expect(out.contains("no scan in the period (damaged, hidden or gone?): merchant-pharmacy, station-guard-north"))
    }

    @Test("CSV: one row per group with every figure")
    func csv() async throws {
        let db = try await history()
        let run = try whistle(["sla", "--db", db, "--by", "grid", "--format", "csv"] + period)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "group,label,reports,kept,kept_percent,acknowledged,ack_p50_s,ack_p90_s,ack_max_s,breaches,whistled,resolved,"
            + "resolved_percent,resolve_p50_s,resolve_p90_s,open_now,rating_average,ratings,duplicates")
        #expect(lines[1] == "all,晨宇社区,5,3,60.0,4,300,900,900,2,1,3,60.0,4980,7200,2,8.0,2,1")
        #expect(lines[2] == "g1,第一网格,2,2,100.0,2,120,600,600,0,0,2,100.0,3600,7200,0,8.0,2,1")
        #expect(lines[3] == "g2,第二网格,3,1,33.3,2,300,900,900,2,1,1,33.3,4980,4980,2,,0,0")
    }

    @Test("JSON: the whole report, machine-readable")
    func json() async throws {
        let db = try await history()
        let run = try whistle(["sla", "--db", db, "--format", "json"] + period)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let overall = try #require(object["overall"] as? [String: Any])
        #expect(overall["reports"] as? Int == 5)
        #expect(overall["kept_percent"] as? Double == 60)
        #expect(overall["ack_p50_s"] as? Int == 300)
        #expect(object["excluded_rejected"] as? Int == 1)
        #expect((object["breaches"] as? [[String: Any]])?.count == 2)
        #expect((object["daily"] as? [[String: Any]])?.count == 2)
        #expect(object["points_without_scans"] as? [String] == ["merchant-pharmacy", "station-guard-north"])
    }

    @Test("HTML: one self-contained file with inline SVG charts, the figures, the breach list")
    func html() async throws {
        let db = try await history()
        let file = try temporaryFolder().appendingPathComponent("sla.html")
        let run = try whistle(["sla", "--db", db, "--by", "grid", "--format", "html", "--out", file.path] + period)
        #expect(run.status == 0)
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg").count == 3)
        #expect(html.contains("10 min"))
        #expect(html.contains("3 · 60.0%"))
        #expect(html.contains("<td>第二网格</td><td>3</td><td>1</td><td>33.3%</td>"))
        #expect(html.contains("20261123-0004"))
        #expect(html.contains("@media print"))
        // Self-contained: nothing fetched from anywhere.
        #expect(html.range(of: #"(src|href)="#, options: .regularExpression) == nil)
        #expect(!html.contains("<script"))
    }

    @Test("what part-time grid workers found, in every format")
    func partTime() async throws {
        let (database, path) = try await seeded { withPartTime($0) }
        _ = try await slaHistory(in: database)
        let found = try await database.createReport(
            ReportDraft(pointID: "grid:g1", category: "water", description: "井盖松动", statusKeyHash: "p", foundBy: "pt-xu", place: "3号楼东侧"),
            at: local("2026-11-23T09:00:00"))
        _ = try await database.acknowledge(number: found.report.number, by: "r-zhao", at: local("2026-11-23T09:04:00"))
        _ = try await database.resolve(number: found.report.number, by: "r-zhao", note: "已固定", at: local("2026-11-23T11:00:00"))
        let figures = "1,1,100.0,1,240,240,240,0,0,1,100.0,7200,7200,0,,0,0"

        let csv = try whistle(["sla", "--db", path, "--format", "csv"] + period)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.suffix(3) == [
            "part_time/all,part-time grid workers,\(figures)", "part_time/person/pt-xu,徐超 (顺丰),\(figures)", "part_time/employer/顺丰,顺丰,\(figures)",
        ], "\(csv.stdout)")

        let table = try whistle(["sla", "--db", path] + period, environment: ["NO_COLOR": "1"]).stdout
        #expect(table.contains("Found by part-time grid workers (兼职网格员): 1 workers, 1 reports"), "\(table)")
        #expect(table.range(of: #"徐超 \(顺丰\)\s+1\s+100\.0%\s+4:00\s+1\s+2h00m"#, options: .regularExpression) != nil, "\(table)")

        let json = try whistle(["sla", "--db", path, "--format", "json"] + period).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let part = try #require(object["part_time"] as? [String: Any])
        #expect(part["workers"] as? Int == 1)
        #expect((part["overall"] as? [String: Any])?["ack_p50_s"] as? Int == 240)
        #expect((part["people"] as? [[String: Any]])?.first?["label"] as? String == "徐超 (顺丰)")
        #expect((part["employers"] as? [[String: Any]])?.first?["group"] as? String == "顺丰")

        let file = try temporaryFolder().appendingPathComponent("sla.html").path
        let html = try whistle(["sla", "--db", path, "--format", "html", "--out", file] + period)
        #expect(html.status == 0, "\(html.stderr)")
        let page = try String(contentsOfFile: file, encoding: .utf8)
        #expect(page.contains("Found by part-time grid workers (兼职网格员)") && page.contains("<td>徐超 (顺丰)</td><td>1</td><td>100.0%</td>"))
        #expect(!page.contains("13900000007"))
    }

    @Test("bad dates are one clear line")
    func badDates() throws {
        let run = try whistle(["sla", "--db", "/tmp/none.sqlite", "--from", "2026-13-01"])
        #expect(run.status == 1)
        #expect(run.stderr == "whistle: --from 2026-13-01 is not a date such as 2026-11-25\n")
        let order = try whistle(["sla", "--db", "/tmp/none.sqlite", "--from", "2026-11-25", "--to", "2026-11-01"])
        #expect(order.stderr == "whistle: --from is after --to\n")
    }
}
