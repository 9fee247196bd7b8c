import Foundation
import WhistleCore
import WhistleStore

/// Which database the tests run on, as `make test` sets it: `WHISTLE_TEST_POSTGRES_URL` names the throwaway cluster
/// `scripts/pg-test-cluster.sh run` started (unset where PostgreSQL could not start).
public enum TestBackend {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["WHISTLE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backend of this pass: `WHISTLE_TEST_BACKEND=postgres` runs the suites' stores on the cluster.
    public static var current: StoreBackend {
        ProcessInfo.processInfo.environment["WHISTLE_TEST_BACKEND"] == "postgres" && postgresURL != nil ? .postgres : .sqlite
    }

    /// For `.enabled(if:)`: tests that read SQLite's own file, pragmas or internals run in the SQLite pass only.
    public static var isSQLite: Bool { current == .sqlite }
}

/// The backends a test can run on here: SQLite always, PostgreSQL when `make test` started its cluster.
public enum StoreBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// SQLite, and PostgreSQL where a cluster is running (`make test` starts one; CI fails if it cannot).
    public static var available: [StoreBackend] { TestBackend.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A new, empty, migrated store: a temp SQLite file, or a new database on the test cluster.
    public func emptyStore() async throws -> AppDatabase {
        try await emptyStoreAndAddress().store
    }

    /// The same, with the address another node would open it by (the file's path, or the database's URL).
    public func emptyStoreAndAddress() async throws -> (store: AppDatabase, address: String) {
        switch self {
        case .sqlite:
            let (store, path) = try await temporaryDatabase()
            return (store, path)
        case .postgres:
            guard let url = TestBackend.postgresURL else { throw StoreError.unusable(path: "postgres", reason: "no test cluster") }
            let admin = try await AppDatabase.open(url)
            let name = "wt_" + UUID().uuidString.prefix(8).lowercased()
            try await admin.postgres?.executeAlone("CREATE DATABASE \(name)")
            await admin.close()
            let location = try PostgresLocation.parse(url)
            var text = "postgres://\(location.user)@\(location.host):\(location.port)/\(name)?sslmode=disable&pool=4"
            if location.allowFsyncOff { text += "&allow_fsync_off=1" }
            return (try await AppDatabase.open(text), text)
        }
    }
}

/// A community's bare roster written straight through the SQL interface, on either backend: a policy, community 1,
/// grid g1 with the point statue-south-gate, and responders (r-zhao, r-qian grid workers; d-city a department), for
/// operations that need people but not the community file's import.
public func minimalRoster(_ database: AppDatabase, at now: Date = Date()) async throws {
    let policy = String(decoding: try JSONEncoder().encode(EscalationPolicy.standard), as: UTF8.self)
    try await database.write { tx in
        try tx.execute("INSERT INTO policy (id, json, created_at) VALUES (1, ?, ?)", [policy, now])
        try tx.execute(
            "INSERT INTO community (id, name, base_url, categories, policy_id, updated_at) VALUES (1, '晨宇社区', 'http://127.0.0.1:8080', '[]', 1, ?)",
            [now])
        try tx.insert(Grid(id: "g1", name: "第一网格", leaderID: nil, communityID: 1))
        try tx.insert(Point(id: "statue-south-gate", kind: .statue, name: "红哨塑像（南门）", gridID: "g1", code: PointCode.generate()))
        for responder in [
            Responder(id: "r-zhao", name: "赵网格员", phone: "13800000001", role: .gridWorker),
            Responder(id: "r-qian", name: "钱网格员", phone: "13800000002", role: .gridWorker),
            Responder(id: "d-city", name: "城管委", role: .department),
        ] {
            try tx.insert(responder)
        }
    }
}

extension AppDatabase {
    /// The first column of every row of `sql`, for a test's look at what the store holds, on either backend.
    package func column<V: SQLValueConvertible>(_ sql: String, _ arguments: SQLArguments = [], as type: V.Type = V.self) async throws -> [V] {
        try await read { tx in try tx.fetchAll(sql, arguments).map { row in try row.get(row.columns[0], as: V.self) } }
    }

    /// The first column of the first row, nil for none or NULL.
    package func value<V: SQLValueConvertible>(_ sql: String, _ arguments: SQLArguments = [], as type: V.Type = V.self) async throws -> V? {
        try await read { tx in try tx.value(sql, arguments, as: V.self) }
    }
}
