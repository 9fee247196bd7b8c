import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

private func problems(_ yaml: String) -> String {
    do {
        _ = try CommunityLoader.parse(yaml)
        return ""
    } catch {
        return "\(error)"
    }
}

/// A part-time worker's report at a grid's typed place (or at `point` with no place).
private func found(
    _ database: AppDatabase, at point: String = Point.gridPlaceID("g1"), place: String? = "3号楼东侧", category: String = "water",
    by finder: String = "pt-xu", _ time: String = "2026-11-23T09:00:00"
) async throws -> CreatedReport {
    try await database.createReport(
        ReportDraft(
            pointID: point, category: category, description: "井盖松动", statusKeyHash: Secret.hash(time + (place ?? "")),
            foundBy: finder, place: place),
        at: local(time))
}

/// Part-time grid workers (兼职网格员, #17): in the community file, in the store, in scopes.
@Suite("Part-time grid workers")
struct PartTimeTests {
    @Test("a part-time worker imports with their grids and employer; each grid they pass gets a typed place, not a plaque")
    func imports() async throws {
        let (database, _) = try await seeded { withPartTime($0) }
        let xu = try #require(try await database.responders().first { $0.id == "pt-xu" })
        #expect(xu.role == .partTime && xu.grids == ["g1", "g2"] && xu.employer == "顺丰" && xu.channels.isEmpty)
        #expect(xu.phone == "13900000007")

        let place = try #require(try await database.point(id: "grid:g1"))
        #expect(place.kind == .grid && place.gridID == "g1" && place.name == "第一网格" && place.active)
        #expect(try await database.point(id: "grid:g2")?.active == true)
        // No plaque: not listed for printing, never a page, not rotatable.
        #expect(try await database.points(includeInactive: true).allSatisfy { $0.kind != .grid })
        #expect(try await database.lookup(code: place.code) == .unknown)
        await #expect(throws: StoreError.self) { try await database.rotateCode(pointID: "grid:g1") }

        // The same file again changes nothing; without the worker the places close.
        let again = try await database.importCommunity(try CommunityLoader.parse(withPartTime(try referenceYAML())))
        #expect(!again.changed)
        let without = try await database.importCommunity(try CommunityLoader.parse(try referenceYAML()))
        #expect(without.responders.deactivated == ["pt-xu"])
        #expect(without.points.deactivated.isEmpty)
        #expect(try await database.point(id: "grid:g1")?.active == false)
    }

    @Test(
        "a bad part-time entry names the entry and the field",
        arguments: [
            ("grids: [g1, g2]", "grids: [g1, g9]", "responder 'pt-xu': field 'grids' names unknown grid 'g9'"),
            ("    grids: [g1, g2]\n", "", "responder 'pt-xu': field 'grids' is missing"),
            ("    phone: \"13900000007\"\n", "", "responder 'pt-xu': field 'phone' is missing"),
            ("    employer: 顺丰\n", "    employer: 顺丰\n    channels:\n      - log: {}\n", "responder 'pt-xu': field 'channels' part-time grid workers are not paged"),
            ("employer: 顺丰", "employer: \"顺\\u0007丰\"", "responder 'pt-xu': field 'employer' contains U+0007"),
        ])
    func badEntry(original: String, replacement: String, expected: String) throws {
        #expect(partTimeEntry.contains(original), "test edit does not apply: \(original)")
        let message = problems(withPartTime(try referenceYAML(), partTimeEntry.replacingOccurrences(of: original, with: replacement)))
        #expect(message.contains(expected), "got: \(message)")
    }

    @Test(
        "nobody counts on a part-time worker to answer, and grid fields are theirs alone",
        arguments: [
            ("responder: r-qian, days: mon-fri", "responder: pt-xu, days: mon-fri", "duty #3: field 'responder' names part-time grid worker 'pt-xu', who is never on duty"),
            ("leader: r-li\n  - id: g2", "leader: pt-xu\n  - id: g2", "grid 'g1': field 'leader' names part-time grid worker 'pt-xu'"),
            ("role: grid_worker\n    phone: \"13800000001\"", "role: grid_worker\n    employer: 顺丰\n    phone: \"13800000001\"", "responder 'r-zhao': field 'employer' is only for role part_time"),
            ("role: grid_worker\n    phone: \"13800000001\"", "role: grid_worker\n    grids: [g1]\n    phone: \"13800000001\"", "responder 'r-zhao': field 'grids' is only for role part_time"),
            ("kind: merchant", "kind: grid", "point 'merchant-pharmacy': field 'kind' is 'grid', not one of statue, station, merchant"),
        ])
    func refusedRoles(original: String, replacement: String, expected: String) throws {
        let yaml = withPartTime(try referenceYAML())
        #expect(yaml.contains(original), "test edit does not apply: \(original)")
        let message = problems(yaml.replacingOccurrences(of: original, with: replacement))
        #expect(message.contains(expected), "got: \(message)")
    }

    @Test("a policy step naming a part-time worker is refused")
    func refusedInPolicy() throws {
        var yaml = withPartTime(try referenceYAML())
        #expect(yaml.contains("{ after: 0s, notify: [on_duty] }"))
        yaml = yaml.replacingOccurrences(of: "{ after: 0s, notify: [on_duty] }", with: "{ after: 0s, notify: [on_duty, pt-xu] }")
        let message = problems(yaml)
        #expect(message.contains("policy: field 'steps[0].notify' names part-time grid worker 'pt-xu', who is never paged"), "got: \(message)")
    }

    @Test("a report from a typed place walks the grid's ladder like a resident's, and records who found it")
    func ladder() async throws {
        let (database, _) = try await seeded { withPartTime($0) }
        let resident = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "road", description: "路灯坏了", statusKeyHash: Secret.hash("r")),
            at: local("2026-11-23T08:00:00"))
        let mine = try await found(database)
        #expect(mine.report.foundBy == "pt-xu" && mine.report.place == "3号楼东侧" && mine.report.status == .open)
        #expect(mine.report.phone == nil)
        // The same steps, to the same people, at the same offsets, as a resident's report on the same grid.
        func plan(_ created: CreatedReport) -> [String] {
            created.outbox.map { "\($0.responderID) \($0.stage) \(Int($0.dueAt.timeIntervalSince(created.report.createdAt)))" }.sorted()
        }
        #expect(plan(mine) == plan(resident))
        #expect(!plan(mine).isEmpty)
        let reportID = try #require(mine.report.id)
        let created = try #require(try await database.events(reportID: reportID).first)
        #expect(created.kind == .created && created.actor == "pt-xu" && created.detail["place"] == "3号楼东侧")
        // Stored: read back with the finder and the place.
        let stored = try #require(try await database.report(number: mine.report.number))
        #expect(stored.foundBy == "pt-xu" && stored.place == "3号楼东侧")
        #expect(stored.placeName(pointName: "第一网格") == "第一网格 · 3号楼东侧")
    }

    @Test("at a typed place the same words make a duplicate; another corner is another problem")
    func duplicates() async throws {
        let (database, _) = try await seeded { withPartTime($0) }
        let first = try await found(database)
        let same = try await found(database, "2026-11-23T09:30:00")
        #expect(same.report.status == .duplicate && same.report.duplicateOf == first.report.id)
        let other = try await found(database, place: "5号楼北侧", "2026-11-23T09:40:00")
        #expect(other.report.status == .open)
        // At a point with a plaque, the resident's rule: point and category.
        let atPoint = try await found(database, at: "statue-south-gate", place: nil, "2026-11-23T09:50:00")
        let again = try await found(database, at: "statue-south-gate", place: nil, "2026-11-23T09:55:00")
        #expect(atPoint.report.status == .open && again.report.status == .duplicate)
    }

    @Test("the store refuses a finder off their grids, a typed place without words, and words at a plaque")
    func refusals() async throws {
        let (database, _) = try await seeded { withPartTime($0, partTimeEntry.replacingOccurrences(of: "[g1, g2]", with: "[g2]")) }
        await #expect(throws: StoreError.forbidden("pt-xu does not report on grid g1")) { _ = try await found(database, at: "statue-south-gate", place: nil) }
        await #expect(throws: StoreError.notFound("point 'grid:g1'")) { _ = try await found(database) }
        await #expect(throws: StoreError.self) { _ = try await found(database, at: "grid:g2", place: nil) }
        await #expect(throws: StoreError.self) { _ = try await found(database, at: "grid:g2", place: "") }
        await #expect(throws: StoreError.self) { _ = try await found(database, at: "station-guard-north", place: "门口") }
        await #expect(throws: StoreError.forbidden("r-zhao does not report on grid g2")) { _ = try await found(database, at: "grid:g2", by: "r-zhao") }
        #expect(try await database.read { tx in try tx.value("SELECT COUNT(*) FROM report", as: Int.self) } == 0)
        _ = try await found(database, at: "grid:g2")
    }

    @Test("a part-time worker sees only what they found, and acts on nothing")
    func scope() async throws {
        let (database, _) = try await seeded { withPartTime($0) }
        let mine = try await found(database)
        _ = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "road", description: "路灯坏了", statusKeyHash: Secret.hash("r")),
            at: local("2026-11-23T09:05:00"))
        let xu = try #require(try await database.responders().first { $0.id == "pt-xu" })
        let scope = try await database.scope(for: xu)
        #expect(scope.reach == .foundBy && scope.gridIDs == ["g1", "g2"] && scope.communities == [])
        let listed = try await database.reports(in: scope, filter: ReportFilter(statuses: []))
        #expect(listed.map(\.report.number) == [mine.report.number])
        await #expect(throws: StoreError.forbidden("part-time grid workers report problems; the grid's workers handle them")) {
            _ = try await database.acknowledge(number: mine.report.number, by: "pt-xu", at: local("2026-11-23T09:06:00"))
        }
        // Still the grid's to take.
        let taken = try await database.acknowledge(number: mine.report.number, by: "r-zhao", at: local("2026-11-23T09:07:00"))
        #expect(taken.status == .acknowledged && taken.foundBy == "pt-xu")
    }
}

/// The SLA report's part-time section: exact figures, alike on both backends (each pass runs it on its own).
@Suite("Part-time grid workers in the SLA report")
struct PartTimeSLATests {
    @Test("what part-time workers found, per person and per employer, and how fast it was taken and fixed")
    func figures() async throws {
        let second = """
          - id: pt-wang
            name: 王芳
            role: part_time
            phone: "13900000008"
            grids: [g2]

        """
        let (database, _) = try await seeded { withPartTime(withPartTime($0, second)) }
        // Taken after 4 minutes (kept), fixed after 2 hours; the same words at the same place meanwhile are a duplicate,
        // counted apart.
        let taken = try await found(database)
        _ = try await database.acknowledge(number: taken.report.number, by: "r-zhao", at: local("2026-11-23T09:04:00"))
        _ = try await found(database, "2026-11-23T09:30:00")
        _ = try await database.resolve(number: taken.report.number, by: "r-zhao", note: "已固定", at: local("2026-11-23T11:00:00"))
        // Never taken: a breach by the next morning.
        _ = try await found(database, at: "merchant-pharmacy", place: nil, category: "road", "2026-11-23T10:00:00")
        // A resident's report is not theirs.
        _ = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "fire", description: "灭火器过期", statusKeyHash: "r"), at: local("2026-11-23T09:10:00"))

        let report = try await database.slaReport(from: "20261123", to: "20261123", by: nil, now: local("2026-11-24T08:00:00"))
        let part = try #require(report.partTime)
        #expect(part.workers == 2)
        let all = part.overall
        #expect(all.reports == 2 && all.acknowledged == 1 && all.kept == 1 && all.breaches == 1 && all.resolved == 1 && all.openNow == 1)
        #expect(all.ackP50 == 240 && all.resolveP50 == 7200 && all.duplicates == 1 && all.keptPercent == 50)
        #expect(part.people.map(\.label) == ["徐超 (顺丰)", "王芳"] || part.people.map(\.label) == ["王芳", "徐超 (顺丰)"])
        let xu = try #require(part.people.first { $0.group == "pt-xu" })
        #expect(xu.reports == 2 && xu.kept == 1 && xu.resolved == 1)
        #expect(part.people.first { $0.group == "pt-wang" }?.reports == 0)
        #expect(Dictionary(uniqueKeysWithValues: part.employers.map { ($0.group, $0.reports) }) == ["顺丰": 2, "(none)": 0])
        // Everyone's figures still count the part-time reports with the residents'.
        #expect(report.overall.reports == 3)

        // Without part-time workers or their reports, there is no section.
        let (plain, _) = try await seeded()
        #expect(try await plain.slaReport(from: "20261123", to: "20261123", by: nil, now: local("2026-11-24T08:00:00")).partTime == nil)
    }
}
