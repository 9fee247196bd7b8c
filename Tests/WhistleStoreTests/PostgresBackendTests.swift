import Foundation
import Testing
import WhistleCore
@testable import WhistleStore
import WhistleTestSupport

/// A fresh database on the test cluster, migrated; closed by the caller.
private func freshBackend() async throws -> PostgresBackend {
    let base = try PostgresLocation.parse(try #require(TestBackend.postgresURL))
    let admin = try await PostgresBackend.open(base)
    let name = "wt_" + UUID().uuidString.prefix(8).lowercased()
    try await admin.executeAlone("CREATE DATABASE \(name)")
    await admin.close()
    var location = base
    location.database = name
    return try await PostgresBackend.open(location)
}

private let needsCluster = Testing.ConditionTrait.enabled(
    if: TestBackend.postgresURL != nil, "needs a PostgreSQL cluster: make test starts one (scripts/pg-test-cluster.sh)")

/// The PostgreSQL executor under the store's SQL interface: its schema, its transactions, and the same records as SQLite.
@Suite("PostgreSQL backend")
struct PostgresBackendTests {
    @Test("? parameters become $n; quoted text, names and comments keep their question marks")
    func placeholders() {
        #expect(PGTransaction.numbered("SELECT * FROM t WHERE a = ? AND b IN (?, ?)") == "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)")
        #expect(PGTransaction.numbered("SELECT '?', \"?x\", ? -- ?\n, ?") == "SELECT '?', \"?x\", $1 -- ?\n, $2")
        #expect(PGTransaction.numbered("SELECT ?2, ?1, ?2") == "SELECT $2, $1, $2")
    }

    @Test("the schema is created once, even by nodes starting together, and a catalogue change bumps its version", needsCluster)
    func schema() async throws {
        let first = try await freshBackend()
        // Two more nodes open the same database at once: the lock makes the second and third find it migrated.
        var location = first.location
        location.pool = 2
        async let a = PostgresBackend.open(location)
        async let b = PostgresBackend.open(location)
        let others = try await [a, b]
        let (tables, migrations, version) = try await first.transaction(readOnly: true) { tx in
            (
                try tx.fetchAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", []).map {
                    try $0.get("table_name", as: String.self)
                },
                try tx.value("SELECT COUNT(*) FROM schema_migration", as: Int.self),
                try tx.value("SELECT version FROM catalogue_version", as: Int.self)
            )
        }
        for table in [
            "policy", "street", "community", "responder", "api_token", "grid", "duty", "point", "retired_code", "report_day", "report", "event",
            "outbox", "scan_count", "server_secret", "form_nonce", "job", "clock_step", "login_link", "phone_session", "catalogue_version",
            "photo", "rate_bucket", "robot_send",
        ] {
            #expect(tables.contains(table), "missing \(table)")
        }
        #expect(migrations == PostgresSchema.migrations.count)
        _ = try await first.transaction(readOnly: false) { tx in
            try tx.execute("INSERT INTO policy (json, created_at) VALUES (?, ?)", ["{}", Date()])
        }
        let bumped = try await first.transaction(readOnly: true) { tx in try tx.value("SELECT version FROM catalogue_version", as: Int.self) }
        #expect(bumped == (version ?? 0) + 1)
        for other in others { await other.close() }
        await first.close()
    }

    @Test("records written and read through the codec come back equal; savepoints and failed transactions roll back", needsCluster)
    func records() async throws {
        let backend = try await freshBackend()
        // Half a second: exact in binary and in microseconds (PostgreSQL keeps microseconds, SQLite milliseconds).
        let at = Date(timeIntervalSince1970: 1_795_395_600.5)
        var report = Report(
            number: "20261123-0001", pointID: "p1", category: "water", description: "下水道冒水 'quoted' ?", photoIDs: ["a", "b"],
            phone: "13800000009", createdAt: at, statusKeyHash: "h", communityID: 1)
        report.ackAt = at.addingTimeInterval(90)
        report.ackBy = "r-zhao"
        report.status = .acknowledged
        let stored = report
        let (read, event, failed) = try await backend.transaction(readOnly: false) { tx -> (Report?, Event?, Int?) in
            try tx.execute("INSERT INTO policy (id, json, created_at) VALUES (1, '{}', ?)", [at])
            try tx.execute("INSERT INTO community (id, name, categories, policy_id, updated_at) VALUES (1, '晨宇社区', '[]', 1, ?)", [at])
            try tx.insert(Responder(id: "r-zhao", name: "赵网格员", phone: "13800000001", role: .gridWorker, channels: [.log, .wecom(url: "https://x")]))
            try tx.insert(Grid(id: "g1", name: "第一网格", leaderID: nil, communityID: 1))
            try tx.insert(Point(id: "p1", kind: .statue, name: "红哨塑像", gridID: "g1", code: "ABC"))
            try tx.insert(DutyShift(gridID: "g1", responderID: "r-zhao", days: .all, startMinute: 0, endMinute: 1440))
            var copy = stored
            copy.id = try tx.insert(stored)
            let id = try #require(copy.id)
            try tx.insert(Event(reportID: id, at: at, kind: .acknowledged, actor: "r-zhao", detail: ["note": "好的", "to": "d-city"]))
            // A failed savepoint leaves the rest of the transaction standing.
            #expect(throws: (any Error).self) {
                try tx.savepoint { try tx.execute("INSERT INTO report_day (day, last) VALUES ('x', 'not a number')") }
            }
            return (
                try tx.fetch(Report.self, id: id), try tx.fetchOne(Event.self, "SELECT * FROM event WHERE report_id = ?", [id]),
                try tx.value("SELECT COUNT(*) FROM report_day", as: Int.self)
            )
        }
        var expected = stored
        expected.id = read?.id
        #expect(read == expected)
        #expect(event?.detail == ["note": "好的", "to": "d-city"])
        #expect(failed == 0)
        let shifts = try await backend.transaction(readOnly: true) { tx in try tx.fetchAll(DutyShift.self, "SELECT * FROM duty") }
        #expect(shifts == [DutyShift(gridID: "g1", responderID: "r-zhao", days: .all, startMinute: 0, endMinute: 1440)])
        let responder = try await backend.transaction(readOnly: true) { tx in try tx.fetch(Responder.self, id: "r-zhao") }
        #expect(responder?.channels == [.log, .wecom(url: "https://x")])
        // A transaction that throws leaves nothing behind.
        await #expect(throws: (any Error).self) {
            try await backend.transaction(readOnly: false) { tx in
                try tx.execute("INSERT INTO report_day (day, last) VALUES ('20261123', 1)")
                throw StoreError.notAllowed("changed my mind")
            }
        }
        #expect(try await backend.transaction(readOnly: true) { tx in try tx.value("SELECT COUNT(*) FROM report_day", as: Int.self) } == 0)
        await backend.close()
    }

    @Test("numbers from the day's counter stay gap-free across three nodes, with transactions failing among them", needsCluster)
    func numbering() async throws {
        let first = try await freshBackend()
        var location = first.location
        location.pool = 3
        let nodes = [first, try await PostgresBackend.open(location), try await PostgresBackend.open(location)]
        let numbers = try await withThrowingTaskGroup(of: Int?.self) { group in
            for (index, node) in nodes.enumerated() {
                for attempt in 0..<30 {
                    group.addTask {
                        do {
                            return try await node.transaction(readOnly: false) { tx -> Int? in
                                let number = try tx.value(
                                    "INSERT INTO report_day (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = report_day.last + 1 RETURNING last",
                                    ["20261123"], as: Int.self)
                                // Every seventh fails after taking its number: the number goes back with the rollback.
                                if (index * 30 + attempt) % 7 == 0 { throw StoreError.notAllowed("fails after numbering") }
                                return number
                            }
                        } catch StoreError.notAllowed {
                            return nil
                        }
                    }
                }
            }
            var all: [Int] = []
            for try await number in group { if let number { all.append(number) } }
            return all
        }
        #expect(numbers.sorted() == Array(1...numbers.count))
        let failing = (0..<90).filter { $0 % 7 == 0 }.count
        #expect(numbers.count == 90 - failing)
        for node in nodes { await node.close() }
    }
}
