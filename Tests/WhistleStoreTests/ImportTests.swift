import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// Everything an import writes, to compare before and after a refused file.
private func snapshot(_ database: AppDatabase) async throws -> [String] {
    try await database.read { tx in
        try ["community", "policy", "grid", "responder", "duty", "point"].flatMap { table in
            try tx.fetchAll("SELECT * FROM \(table) ORDER BY 1", []).map { "\(table): \($0.values)" }
        }
    }
}

/// Parses the reference file with one edit applied.
private func parseEdited(_ edit: (String) -> String) throws -> Community {
    try CommunityLoader.parse(edit(try referenceYAML()))
}

private func problems(_ edit: (String) -> String) -> String {
    do {
        _ = try parseEdited(edit)
        return ""
    } catch {
        return "\(error)"
    }
}

@Suite("Community import")
struct ImportTests {
    @Test("the reference file imports everything it names")
    func good() async throws {
        let (database, _) = try await temporaryDatabase()
        let summary = try await database.importCommunity(try CommunityLoader.parse(try referenceYAML()))
        #expect(summary.points.created.count == 4)
        #expect(summary.responders.created.count == 6)
        #expect(summary.grids.created == ["g1", "g2"])

        let community = try #require(try await database.community(id: 1))
        #expect(community.name == "晨宇社区")
        #expect(community.baseURL == "http://127.0.0.1:8080")
        #expect(community.categories.map(\.id) == ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"])
        #expect(community.policy == EscalationPolicy.standard)

        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        #expect(pharmacy.kind == .merchant)
        #expect(pharmacy.services == ["免费测血压", "应急药品", "饮用热水"])
        #expect(PointCode.normalize(pharmacy.code) == pharmacy.code)

        let responders = try await database.responders()
        let zhao = try #require(responders.first { $0.id == "r-zhao" })
        #expect(zhao.channels == [.webhook(url: "http://127.0.0.1:9911/hook", secret: "change-me")])
        #expect(responders.first { $0.id == "r-li" }?.channels == [.dingtalk(url: "https://oapi.dingtalk.com/robot/send?access_token=EXAMPLE", secret: "SECEXAMPLE")])
        let duty = try await database.read { tx in try tx.fetchAll(DutyShift.self, "SELECT * FROM duty") }
        #expect(duty.count == 5)
        #expect(duty.contains { $0.responderID == "r-zhao" && $0.gridID == "g2" && $0.startMinute == 1200 && $0.endMinute == 480 })
        #expect(duty.contains { $0.responderID == "r-qian" && $0.backup })
    }

    @Test("importing twice changes nothing the second time, and codes stay")
    func idempotent() async throws {
        let (database, _) = try await seeded()
        let before = try await snapshot(database)
        let summary = try await database.importCommunity(try CommunityLoader.parse(try referenceYAML()))
        #expect(!summary.changed)
        #expect(summary.description.hasPrefix("no changes"))
        #expect(try await snapshot(database) == before)
    }

    @Test("an edited file updates what changed and keeps every code")
    func update() async throws {
        let (database, _) = try await seeded()
        let codes = Dictionary(uniqueKeysWithValues: try await database.points().map { ($0.id, $0.code) })
        let edited = try parseEdited { yaml in
            yaml.replacingOccurrences(of: "name: 北门门卫室", with: "name: 北门服务微空间")
                .replacingOccurrences(of: "promise: 10m", with: "promise: 15m")
        }
        let summary = try await database.importCommunity(edited)
        #expect(summary.points.updated == ["station-guard-north"])
        #expect(summary.policy.updated == ["escalation"])
        #expect(try await database.point(id: "station-guard-north")?.name == "北门服务微空间")
        for point in try await database.points() { #expect(codes[point.id] == point.code) }
        #expect(try await database.community(id: 1)?.policy.promiseSeconds == 900)
    }

    @Test("a point left out of the file is deactivated, and its code reads as void")
    func removed() async throws {
        let (database, _) = try await seeded()
        let pharmacy = try #require(try await database.point(id: "merchant-pharmacy"))
        var file = try CommunityLoader.parse(try referenceYAML())
        file.points.removeAll { $0.id == "merchant-pharmacy" }
        let summary = try await database.importCommunity(file)
        #expect(summary.points.deactivated == ["merchant-pharmacy"])
        #expect(try await database.lookup(code: pharmacy.code) == .void(try #require(try await database.point(id: "merchant-pharmacy"))))
    }

    @Test(
        "a bad file names the entry and the field",
        arguments: [
            ("grid: g2\n    address: 建设南大街12号", "grid: g9\n    address: 建设南大街12号", "point 'merchant-pharmacy': field 'grid' names unknown grid 'g9'"),
            ("kind: merchant", "kind: shop", "point 'merchant-pharmacy': field 'kind' is 'shop'"),
            ("role: secretary", "role: mayor", "responder 'r-shang': field 'role' is 'mayor'"),
            ("- id: r-qian", "- id: r-zhao", "responder 'r-zhao': field 'id' is a duplicate"),
            ("  - id: station-guard-north\n    kind: station\n", "  - id: station-guard-north\n", "point 'station-guard-north': field 'kind' is missing"),
            ("    name: 党群服务中心\n", "", "point 'station-service-centre': field 'name' is missing"),
            ("from: \"08:00\", to: \"20:00\"", "from: \"08:00\", to: \"08:00\"", "duty #3: field 'to' equals 'from'"),
            ("from: \"20:00\", to: \"08:00\"", "from: \"20:00\", to: \"00:00\"", "duty #4: field 'to' is 00:00 before 'from'"),
            ("from: \"20:00\", to: \"08:00\"", "from: \"20:00\", to: \"8am\"", "duty #4: field 'to' is '8am', not a time"),
            ("days: mon-fri", "days: weekdays", "duty #3: field 'days' is 'weekdays'"),
            ("responder: r-qian, days: mon-fri", "responder: r-nobody, days: mon-fri", "duty #3: field 'responder' names unknown responder"),
            ("leader: r-li\n  - id: g2", "leader: r-wang\n  - id: g2", "grid 'g1': field 'leader' names unknown responder 'r-wang'"),
            ("after: 3m", "after: 3 minutes", "policy: field 'steps[1].after' is '3 minutes'"),
            ("base_url: http://127.0.0.1:8080", "base_url: ftp://example", "community: field 'base_url' must be an http(s) URL"),
            ("      - log: {}", "      - fax: \"010\"", "responder 'd-city': field 'channels[0]' has unknown kind 'fax'"),
            ("        secret: change-me\n  - id: r-qian", "\n  - id: r-qian", "responder 'r-zhao': field 'channels[0].secret' is missing"),
            ("phone: \"13800000002\"", "phone: \"12345\"", "responder 'r-qian': field 'phone' is not a mainland mobile number"),
            ("name: 惠民大药房", "name: \"惠民\\u0007药房\"", "point 'merchant-pharmacy': field 'name' contains U+0007, which cannot be printed"),
            ("[免费测血压, 应急药品, 饮用热水]", "[免费测血压, \"\\U0010FFFE\"]", "point 'merchant-pharmacy': field 'services' contains U+10FFFE"),
        ])
    func bad(original: String, replacement: String, expected: String) throws {
        #expect(try referenceYAML().contains(original), "test edit does not apply: \(original)")
        let message = problems { $0.replacingOccurrences(of: original, with: replacement) }
        #expect(message.contains(expected), "got: \(message)")
    }

    @Test("not YAML, empty, or the wrong shape: a clear refusal")
    func unreadable() {
        #expect(throws: ImportError.self) { try CommunityLoader.parse("") }
        #expect(throws: ImportError.self) { try CommunityLoader.parse("grids: [unclosed") }
        let message = problems { _ in "community: x\nbase_url: http://a.b\npoints: 5\n" }
        #expect(message.contains("points"), "got: \(message)")
    }

    @Test("a refused file leaves the database exactly as it was")
    func refusedChangesNothing() async throws {
        let (database, _) = try await seeded()
        let before = try await snapshot(database)
        await #expect(throws: ImportError.self) {
            let community = try parseEdited { $0.replacingOccurrences(of: "kind: merchant", with: "kind: shop") }
            try await database.importCommunity(community)
        }
        #expect(try await snapshot(database) == before)
    }
}
