import Foundation
import Testing
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

    @Test("bad dates are one clear line")
    func badDates() throws {
        let run = try whistle(["sla", "--db", "/tmp/none.sqlite", "--from", "2026-13-01"])
        #expect(run.status == 1)
        #expect(run.stderr == "whistle: --from 2026-13-01 is not a date such as 2026-11-25\n")
        let order = try whistle(["sla", "--db", "/tmp/none.sqlite", "--from", "2026-11-25", "--to", "2026-11-01"])
        #expect(order.stderr == "whistle: --from is after --to\n")
    }
}
