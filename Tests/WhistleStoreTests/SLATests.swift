import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

@Suite("SLA report")
struct SLATests {
    let now = local("2026-11-24T13:00:00")

    @Test("overall figures, with exact known answers")
    func overall() async throws {
        let report = try await slaHistory().slaReport(from: "20261123", to: "20261124", by: nil, now: now)
        let o = report.overall
        #expect(o.reports == 5)
        #expect(o.kept == 3)
        #expect(o.keptPercent == 60.0)
        #expect(o.acknowledged == 4)
        #expect(o.ackP50 == 300)
        #expect(o.ackP90 == 900)
        #expect(o.ackMax == 900)
        #expect(o.breaches == 2)
        #expect(o.whistled == 1)
        #expect(o.resolved == 3)
        #expect(o.resolvedPercent == 60.0)
        #expect(o.resolveP50 == 4980)  // minute resolution: 5000 s counts as 83 min
        #expect(o.resolveP90 == 7200)
        #expect(o.openNow == 2)
        #expect(o.ratingAverage == 8.0)
        #expect(o.ratings == 2)
        #expect(o.duplicates == 1)
        #expect(report.excludedRejected == 1)
        #expect(report.daily.map { "\($0.day) \($0.reports) \($0.kept)" } == ["20261123 3 2", "20261124 2 1"])
        #expect(report.ackHistogram.filter { $0.count > 0 }.map { "\($0.minute):\($0.count)" } == ["2:1", "5:1", "10:1", "15:1"])
    }

    @Test("the breach list: how late, whether taken, who was notified at each step")
    func breaches() async throws {
        let report = try await slaHistory().slaReport(from: "20261123", to: "20261124", by: nil, now: now)
        #expect(report.breaches.count == 2)
        let late = try #require(report.breaches.first)
        #expect(late.number == "20261123-0004")
        #expect(late.point == "北门门卫室")
        #expect(late.lateSeconds == 300)
        #expect(late.taken)
        #expect(late.notified == ["0: r-zhao"])
        let never = try #require(report.breaches.last)
        #expect(never.number == "20261124-0003")
        #expect(!never.taken)
        #expect(never.lateSeconds == 3600 - 600)
        #expect(report.departments.map { "\($0.id) \($0.name) \($0.whistled) \($0.reportedIn) \($0.reportInP50 ?? -1) \($0.reportInMax ?? -1)" }
            == ["d-property 红色物业 1 1 600 600"])
    }

    @Test("by grid")
    func byGrid() async throws {
        let report = try await slaHistory().slaReport(from: "20261123", to: "20261124", by: .grid, now: now)
        #expect(report.groups.map(\.group) == ["g1", "g2"])
        #expect(report.groups.map(\.label) == ["第一网格", "第二网格"])
        let g1 = report.groups[0]
        let g1Counts: [Int] = [g1.reports, g1.kept, g1.breaches, g1.resolved, g1.openNow, g1.duplicates]
        #expect(g1Counts == [2, 2, 0, 2, 0, 1])
        #expect(g1.keptPercent == 100)
        #expect(g1.ackP50 == 120)
        #expect(g1.ackP90 == 600)
        #expect(g1.ratingAverage == 8.0)
        let g2 = report.groups[1]
        let g2Counts: [Int] = [g2.reports, g2.kept, g2.breaches, g2.whistled, g2.resolved, g2.openNow, g2.duplicates]
        #expect(g2Counts == [3, 1, 2, 1, 1, 2, 0])
        #expect(g2.keptPercent == 33.3)
        #expect(g2.ackP50 == 300)
        #expect(g2.ackMax == 900)
        #expect(g2.ratingAverage == nil)
    }

    @Test("by responder, category, kind and point")
    func otherGroupings() async throws {
        let database = try await slaHistory()
        let responders = try await database.slaReport(from: "20261123", to: "20261124", by: .responder, now: now).groups
        #expect(responders.map { "\($0.group) \($0.reports) \($0.kept)" } == ["(not taken) 1 0", "r-qian 2 2", "r-zhao 2 1"])
        let kinds = try await database.slaReport(from: "20261123", to: "20261124", by: .kind, now: now).groups
        #expect(kinds.map { "\($0.group) \($0.reports)" } == ["merchant 2", "station 2", "statue 1"])
        let categories = try await database.slaReport(from: "20261123", to: "20261124", by: .category, now: now).groups
        #expect(categories.first { $0.group == "water" }?.label == "漏水 / 下水堵塞")
        let points = try await database.slaReport(from: "20261123", to: "20261124", by: .point, now: now).groups
        #expect(points.first { $0.group == "statue-south-gate" }?.duplicates == 1)
    }

    @Test("plaque health: scans, reports per scan, points with no scan, points not verified")
    func plaques() async throws {
        let report = try await slaHistory().slaReport(from: "20261123", to: "20261124", by: nil, now: now)
        let statue = try #require(report.plaques.first { $0.point == "statue-south-gate" })
        #expect(statue.scans == 4)
        #expect(statue.reports == 2)
        #expect(statue.reportsPerScan == 0.5)
        #expect(report.pointsWithoutScans == ["merchant-pharmacy", "station-guard-north"])
        #expect(report.pointsNotVerified == ["station-guard-north", "station-service-centre", "statue-south-gate"])
    }

    @Test("a period outside the history is empty, not an error")
    func empty() async throws {
        let report = try await slaHistory().slaReport(from: "20260101", to: "20260131", by: .grid, now: now)
        #expect(report.overall.reports == 0)
        #expect(report.overall.keptPercent == nil)
        #expect(report.groups.isEmpty)
        #expect(report.breaches.isEmpty)
    }
}
