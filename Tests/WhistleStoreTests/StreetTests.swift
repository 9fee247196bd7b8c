import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// Every row of the catalogue tables, for "nothing changed" checks.
private func catalogue(_ database: AppDatabase) async throws -> [String] {
    try await database.read { tx in
        try ["street", "community", "policy", "grid", "responder", "duty", "point"].flatMap { table in
            try tx.fetchAll("SELECT * FROM \(table) ORDER BY 1", []).map { "\(table): \($0.values)" }
        }
    }
}

private func street() throws -> (Street, [Community]) {
    guard case .street(let street, let communities) = try CommunityLoader.loadAny(path: streetFixture()) else {
        throw ImportError.unreadable("not a street file")
    }
    return (street, communities)
}

/// The fixture's community file `name` with one edit applied.
private func community(_ name: String, _ edit: (String) -> String = { $0 }) throws -> Community {
    let folder = URL(fileURLWithPath: streetFixture()).deletingLastPathComponent()
    return try CommunityLoader.parse(edit(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)))
}

private func message(_ body: () async throws -> Void) async -> String {
    do {
        try await body()
        return ""
    } catch {
        return "\(error)"
    }
}

private func draft(_ point: String, _ category: String = "water") -> ReportDraft {
    ReportDraft(pointID: point, category: category, description: "测试", statusKeyHash: Secret.hash(point + category))
}

@Suite("A street of communities")
struct StreetTests {
    @Test("a street file imports its departments, staff and both communities in one go; again, nothing changes")
    func imports() async throws {
        let (database, _) = try await temporaryDatabase()
        let (street, communities) = try street()
        let summaries = try await database.importStreet(street, communities: communities)
        #expect(summaries.map(\.title) == ["street 建设街道", "community 1 晨宇社区", "community 2 华信社区"])
        #expect(summaries[0].responders.created == ["d-property", "d-city", "d-water", "s-duty"])
        let list = try await database.communities()
        #expect(list.map(\.id) == [1, 2])
        #expect(list.map(\.baseURL) == ["http://127.0.0.1:8080", "http://127.0.0.1:8080"], "both take the street's address")
        let responders = Dictionary(uniqueKeysWithValues: try await database.responders().map { ($0.id, $0) })
        #expect(responders["d-city"]?.communityID == nil && responders["s-duty"]?.role == .street)
        #expect(responders["hx-wang"]?.communityID == 2 && responders["r-zhao"]?.communityID == 1)
        #expect(try await database.point(id: "hx-statue-square")?.communityID == 2)

        let before = try await catalogue(database)
        let again = try await database.importStreet(street, communities: communities)
        #expect(again.allSatisfy { !$0.changed }, "\(again)")
        #expect(try await catalogue(database) == before)
    }

    @Test("importing one community leaves the other's points, duty and responders as they were")
    func oneCommunityAlone() async throws {
        let (database, _) = try await streetSeeded()
        let before = try await catalogue(database).filter { !$0.contains("hx-") }
        // 华信 drops a point and its only worker's duty changes.
        let edited = try community("huaxin.yaml") { yaml in
            yaml.replacingOccurrences(of: "  - id: hx-station-east\n    kind: station\n    name: 东门服务站\n    grid: hx-g1\n", with: "")
                .replacingOccurrences(of: "from: \"00:00\", to: \"24:00\" }", with: "from: \"08:00\", to: \"20:00\" }")
        }
        let summary = try await database.importCommunity(edited)
        #expect(summary.points.deactivated == ["hx-station-east"])
        #expect(summary.duty.updated == ["1 rows"])
        #expect(summary.responders.deactivated.isEmpty, "another community's responders are not this file's to deactivate")
        // Community 1's rows are exactly as they were.
        let after = try await catalogue(database).filter { !$0.contains("hx-") && !$0.hasPrefix("community:") && !$0.hasPrefix("policy:") }
        #expect(after == before.filter { !$0.hasPrefix("community:") && !$0.hasPrefix("policy:") })
        #expect(try await database.points(community: 1).count == 4)
        #expect(try await database.responders().filter { $0.communityID == 1 && $0.active }.count == 4)
    }

    @Test("one file owns each id: a collision, a department the street defines, a file without id among several")
    func ownership() async throws {
        let (database, _) = try await streetSeeded()
        let before = try await catalogue(database)
        let collision = try community("huaxin.yaml") { $0.replacingOccurrences(of: "hx-g1", with: "g1") }
        #expect(await message { try await database.importCommunity(collision) }.contains("grid 'g1': field 'id' is used by community 1 (晨宇社区)"))
        let department = try community("huaxin.yaml") { yaml in
            yaml.replacingOccurrences(of: "responders:\n", with: "responders:\n  - { id: d-city, name: 城管委, role: department }\n")
        }
        #expect(await message { try await database.importCommunity(department) }.contains("responder 'd-city': field 'id' is defined in the street file; remove it here"))
        let noID = try community("huaxin.yaml") { $0.replacingOccurrences(of: "id: 2\n", with: "") }
        #expect(await message { try await database.importCommunity(noID) }.contains("community 华信社区: field 'id' is missing"))
        let unknownTarget = try community("huaxin.yaml") { $0.replacingOccurrences(of: "[secretary, street]", with: "[secretary, mayor]") }
        #expect(await message { try await database.importCommunity(unknownTarget) }.contains("policy: field 'notify' names 'mayor'"))
        #expect(try await catalogue(database) == before, "every refusal left the database as it was")
        // A policy may name a shared department.
        let shared = try community("huaxin.yaml") { $0.replacingOccurrences(of: "[secretary, street]", with: "[secretary, d-water]") }
        #expect(try await database.importCommunity(shared).policy.updated == ["escalation"])
    }

    @Test("a bad second community file refuses the whole street import, naming the file")
    func allOrNothing() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-street-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: streetFixture()).deletingLastPathComponent()
        for name in ["street.yaml", "community.yaml", "huaxin.yaml"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let (database, _) = try await streetSeeded()
        let before = try await catalogue(database)
        // Valid alone, refused in the database: 华信 claims 晨宇's grid.
        let huaxin = folder.appendingPathComponent("huaxin.yaml")
        try (try String(contentsOf: huaxin, encoding: .utf8)).replacingOccurrences(of: "hx-g1", with: "g2").write(to: huaxin, atomically: true, encoding: .utf8)
        guard case .street(var street, let communities) = try CommunityLoader.loadAny(path: folder.appendingPathComponent("street.yaml").path) else {
            Issue.record("not a street")
            return
        }
        street.name = "改名街道"
        #expect(await message { try await database.importStreet(street, communities: communities) }.contains("grid 'g2': field 'id' is used by community 1"))
        #expect(try await catalogue(database) == before, "the street's new name was rolled back too")
        // A file that does not parse is named with its path.
        try "id: 2\ncommunity: 华信社区\npoints: 5\n".write(to: huaxin, atomically: true, encoding: .utf8)
        #expect(await message { _ = try CommunityLoader.loadAny(path: folder.appendingPathComponent("street.yaml").path) }.hasPrefix("huaxin.yaml: "))
        // Neither or both top-level keys.
        let odd = folder.appendingPathComponent("odd.yaml")
        try "street: 街道\ncommunity: 社区\n".write(to: odd, atomically: true, encoding: .utf8)
        #expect(await message { _ = try CommunityLoader.loadAny(path: odd.path) }.contains("not both"))
    }

    @Test("an upgraded one-community database: the street file takes its departments over")
    func takeover() async throws {
        let (database, _) = try await seeded()  // today's single file: d-city and d-property belong to community 1
        let (street, communities) = try street()
        let summaries = try await database.importStreet(street, communities: communities)
        #expect(summaries[0].responders.moved == ["d-property", "d-city"])
        #expect(summaries[0].description.contains("2 moved to the street file (d-property, d-city)"))
        #expect(try await database.responders().first { $0.id == "d-city" }?.communityID == nil)
        // The old file, which still lists the departments, is now refused for them.
        let old = try CommunityLoader.parse(try referenceYAML().replacingOccurrences(of: "community: 晨宇社区", with: "id: 1\ncommunity: 晨宇社区"))
        #expect(await message { try await database.importCommunity(old) }.contains("responder 'd-property': field 'id' is defined in the street file"))
    }

    @Test("each community's report walks its own ladder; a street step reaches the street's staff")
    func ladders() async throws {
        let (database, _) = try await streetSeeded()
        let now = local("2026-11-23T10:00:00")
        let a = try await database.createReport(draft("statue-south-gate"), at: now)
        let b = try await database.createReport(draft("hx-statue-square"), at: now)
        #expect(a.report.communityID == 1 && b.report.communityID == 2)
        #expect(a.report.policyID != b.report.policyID)
        func recipients(_ created: CreatedReport, step: Int) -> Set<String> {
            Set(created.outbox.filter { $0.step == step && $0.event == .notify }.map(\.responderID))
        }
        #expect(recipients(b, step: 0) == ["hx-wang"])
        #expect(recipients(b, step: 2) == ["hx-sun", "s-duty"], "B's secretary and the street, not A's secretary")
        #expect(recipients(a, step: 3) == ["r-shang"])
        #expect(Set(b.outbox.filter { $0.event == .breach }.map(\.responderID)) == ["hx-sun"])
    }

    @Test("scopes across communities: workers and leaders stay home, the street sees all, a department sees what it was given")
    func scopes() async throws {
        let (database, _) = try await streetSeeded()
        let now = local("2026-11-23T10:00:00")
        let a = try await database.createReport(draft("statue-south-gate"), at: now).report.number
        let b = try await database.createReport(draft("hx-statue-square"), at: now).report.number
        await #expect(throws: StoreError.notFound("report \(b)")) { try await database.acknowledge(number: b, by: "r-zhao", at: now) }
        await #expect(throws: StoreError.notFound("report \(a)")) { try await database.acknowledge(number: a, by: "hx-zhou", at: now) }
        // 华信's secretary takes and whistles its report to a shared department; 晨宇's worker does the same with theirs.
        try await database.acknowledge(number: b, by: "hx-sun", at: now.addingTimeInterval(60))
        try await database.whistle(number: b, by: "hx-sun", to: "d-city", note: "路灯", at: now.addingTimeInterval(120))
        try await database.acknowledge(number: a, by: "r-zhao", at: now.addingTimeInterval(60))
        try await database.whistle(number: a, by: "r-zhao", to: "d-city", note: "井盖", at: now.addingTimeInterval(120))
        let snapshot = try await database.snapshot()
        func listed(_ id: String) async throws -> Set<String> {
            let scope = snapshot.roster.scope(for: try #require(snapshot.roster.responders[id]))
            return Set(try await database.reports(in: scope, filter: ReportFilter(statuses: [])).map(\.report.number))
        }
        #expect(try await listed("d-city") == [a, b])
        #expect(try await listed("hx-zhou") == [b])
        #expect(try await listed("r-shang") == [a])
        #expect(try await listed("s-duty") == [a, b])
        try await database.acknowledge(number: b, by: "d-city", at: now.addingTimeInterval(180))
        try await database.acknowledge(number: a, by: "d-city", at: now.addingTimeInterval(180))
        // The street resolves in any community; a leader of 晨宇 cannot touch 华信's.
        try await database.resolve(number: b, by: "s-duty", note: "修好", at: now.addingTimeInterval(600))
        await #expect(throws: StoreError.notFound("report \(b)")) {
            try await database.reopen(number: b, by: "r-li", note: "x", at: now.addingTimeInterval(700))
        }
    }

    @Test("the list query and Scope.allows agree for every responder of the street and every report")
    func scopeSQLAgrees() async throws {
        let (database, _) = try await streetSeeded()
        let now = local("2026-11-23T10:00:00")
        var numbers: [String] = []
        for (index, point) in ["statue-south-gate", "station-guard-north", "hx-statue-square", "hx-station-east"].enumerated() {
            numbers.append(try await database.createReport(draft(point), at: now.addingTimeInterval(Double(index))).report.number)
        }
        try await database.acknowledge(number: numbers[2], by: "hx-wang", at: now.addingTimeInterval(60))
        try await database.whistle(number: numbers[2], by: "hx-wang", to: "d-water", note: "水", at: now.addingTimeInterval(90))
        try await database.acknowledge(number: numbers[1], by: "r-li", at: now.addingTimeInterval(60))
        let snapshot = try await database.snapshot()
        let everything = try await database.reports(
            in: Scope(responder: Responder(id: "s", name: "s", role: .street, communityID: nil), gridIDs: []), filter: ReportFilter(statuses: []))
        #expect(everything.count == 4)
        for responder in snapshot.roster.responders.values {
            let scope = snapshot.roster.scope(for: responder)
            let listed = Set(try await database.reports(in: scope, filter: ReportFilter(statuses: [])).map(\.report.number))
            let allowed = Set(everything.filter { scope.allows($0.report, gridID: $0.point.gridID) }.map(\.report.number))
            #expect(listed == allowed, "\(responder.id)")
        }
        let onlyB = try await database.reports(
            in: Scope(responder: Responder(id: "s", name: "s", role: .street, communityID: nil), gridIDs: []),
            filter: ReportFilter(statuses: [], communityID: 2))
        #expect(Set(onlyB.map(\.report.number)) == [numbers[2], numbers[3]])
    }
}

@Suite("The street's SLA report")
struct StreetSLATests {
    let now = local("2026-11-25T00:00:00")

    @Test("by community: each community's exact figures, the overall row their merge, and the same from any grouping's pass")
    func byCommunity() async throws {
        let database = try await streetHistory()
        let report = try await database.slaReport(from: "20261123", to: "20261124", by: .community, now: now)
        #expect(report.community == "建设街道")
        #expect(report.groups.map(\.label) == ["晨宇社区", "华信社区"])
        let (a, b) = (report.groups[0], report.groups[1])
        #expect([a.reports, a.kept, a.breaches, a.openNow, a.duplicates] as [Int] == [5, 3, 2, 2, 1])
        #expect([b.reports, b.kept, b.breaches, b.openNow, b.ratings] as [Int] == [3, 1, 2, 2, 1])
        #expect(b.ackP50 == 60 && b.ackP90 == 720 && b.ratingAverage == 10)
        #expect(report.overall.reports == 8 && report.overall.kept == 4 && report.overall.breaches == 4)
        #expect(report.excludedRejected == 1)
        #expect(Set(report.breaches.compactMap(\.community)) == ["晨宇社区", "华信社区"] && report.breaches.count == 4)
        // Side by side: the same figures, with each community's plaque health.
        #expect(report.communities.map(\.name) == ["晨宇社区", "华信社区"])
        #expect(report.communities[1].points == 2 && report.communities[1].pointsWithoutScans == 1)
        #expect(report.communities[0].figures.kept == 3 && report.communities[1].figures.breaches == 2)
        // A grid pass keeps communities apart in the same scan: its side-by-side table is the same.
        let byGrid = try await database.slaReport(from: "20261123", to: "20261124", by: .grid, now: now)
        #expect(byGrid.communities.map(\.figures) == report.communities.map(\.figures))
        #expect(byGrid.groups.map(\.group) == ["g1", "g2", "hx-g1"])
        #expect(byGrid.overall == report.overall)
    }

    @Test("one community: its figures alone, as if the street held nothing else")
    func oneCommunity() async throws {
        let database = try await streetHistory()
        let b = try await database.slaReport(from: "20261123", to: "20261124", by: .grid, communities: [2], now: now)
        #expect(b.community == "华信社区" && b.communities.isEmpty)
        #expect(b.overall.reports == 3 && b.overall.kept == 1 && b.excludedRejected == 0)
        #expect(b.plaques.map(\.point) == ["hx-station-east", "hx-statue-square"])
        #expect(b.breaches.count == 2 && b.departments.isEmpty)
        #expect(b.breaches.allSatisfy { $0.community == nil }, "one community: no need to say which")
        // Community 1 alone equals the single-community history figure for figure.
        let a = try await database.slaReport(from: "20261123", to: "20261124", by: .grid, communities: [1], now: now)
        let single = try await slaHistory().slaReport(from: "20261123", to: "20261124", by: .grid, now: now)
        #expect(a.overall == single.overall)
        #expect(a.groups == single.groups)
        #expect(a.breaches == single.breaches)
        #expect(a.plaques == single.plaques)
        #expect(a.daily == single.daily)
        #expect(a.ackHistogram == single.ackHistogram)
    }
}
