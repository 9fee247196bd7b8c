/// Helpers shared by the test targets: temp databases, the reference community, a known history.
import Foundation
import GRDB
import WhistleCore
import WhistleStore

/// A fresh, empty store: a database file in its own temp folder, or, when `WHISTLE_TEST_BACKEND=postgres` (the second
/// pass of `make test`), a new database on the test cluster; with its path or URL.
public func temporaryDatabase() async throws -> (AppDatabase, String) {
    if TestBackend.current == .postgres { return try await StoreBackend.postgres.emptyStoreAndAddress() }
    return try temporarySQLiteDatabase()
}

/// A fresh database file in its own temp folder, whichever backend the pass runs on.
public func temporarySQLiteDatabase() throws -> (AppDatabase, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("test.sqlite").path
    return (try AppDatabase.open(path: path), path)
}

/// The reference community file shipped with the demo.
public func referenceYAML() throws -> String {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return try String(contentsOf: url.appendingPathComponent("Tests/Fixtures/community-single.yaml"), encoding: .utf8)
}

/// A moment given in Asia/Shanghai local time.
public func local(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text + "+08:00")!
}

/// Imports the reference community, optionally edited first: the one fixture every test target starts from.
public func seeded(_ edit: (String) -> String = { $0 }) async throws -> (AppDatabase, String) {
    let (database, path) = try await temporaryDatabase()
    try await database.importCommunity(try CommunityLoader.parse(edit(try referenceYAML())))
    return (database, path)
}

/// A small history with known answers (see each line), in Asia/Shanghai time, in the reference community (or in
/// `database`, which must hold its points and responders: community 1 of the street fixture does).
public func slaHistory(in given: AppDatabase? = nil) async throws -> AppDatabase {
    let database: AppDatabase
    if let given { database = given } else { database = try await seeded().0 }
    func report(_ point: String, _ category: String, _ at: String) async throws -> String {
        try await database.createReport(
            ReportDraft(pointID: point, category: category, description: "测试", statusKeyHash: Secret.hash(at)), at: local(at)
        ).report.number
    }
    // R1: g1, taken after 2 min, fixed after 1 h, rated 9.
    let r1 = try await report("statue-south-gate", "water", "2026-11-23T09:00:00")
    try await database.acknowledge(number: r1, by: "r-zhao", at: local("2026-11-23T09:02:00"))
    // R5: a duplicate of R1, while R1 is still being handled.
    _ = try await report("statue-south-gate", "water", "2026-11-23T09:30:00")
    try await database.resolve(number: r1, by: "r-zhao", note: "ok", at: local("2026-11-23T10:00:00"))
    try await database.rate(number: r1, keyHash: Secret.hash("2026-11-23T09:00:00"), rating: 9, note: nil, at: local("2026-11-23T11:00:00"))
    // R2: g1, taken at exactly 10:00 — the promise kept — fixed after 2 h, rated 7.
    let r2 = try await report("station-service-centre", "road", "2026-11-23T10:00:00")
    try await database.acknowledge(number: r2, by: "r-qian", at: local("2026-11-23T10:10:00"))
    try await database.resolve(number: r2, by: "r-qian", note: "ok", at: local("2026-11-23T12:00:00"))
    try await database.rate(number: r2, keyHash: Secret.hash("2026-11-23T10:00:00"), rating: 7, note: nil, at: local("2026-11-23T13:00:00"))
    // R3: g2, 23:58, taken after 15 min, across midnight: a breach (5 min late); still open.
    let r3 = try await report("station-guard-north", "fire", "2026-11-23T23:58:00")
    let r3id = try await database.report(number: r3)!.id!
    for entry in try await database.outbox(reportID: r3id) where entry.step == 0 {
        try await database.markDelivered(outboxID: entry.id!, at: local("2026-11-23T23:58:01"))
    }
    try await database.acknowledge(number: r3, by: "r-zhao", at: local("2026-11-24T00:13:00"))
    // R4: g2, taken after 5 min, whistled to the property company which reports in after 10 min, fixed after 5000 s.
    let r4 = try await report("merchant-pharmacy", "elevator", "2026-11-24T08:00:00")
    try await database.acknowledge(number: r4, by: "r-qian", at: local("2026-11-24T08:05:00"))
    try await database.whistle(number: r4, by: "r-qian", to: "d-property", note: "电梯", at: local("2026-11-24T08:06:40"))
    try await database.acknowledge(number: r4, by: "d-property", at: local("2026-11-24T08:16:40"))
    try await database.resolve(number: r4, by: "d-property", note: "ok", at: local("2026-11-24T09:23:20"))
    // R6: rejected.
    let r6 = try await report("statue-south-gate", "help", "2026-11-24T09:00:00")
    try await database.reject(number: r6, by: "r-li", note: "广告", at: local("2026-11-24T09:01:00"))
    // R7: g2, never taken.
    _ = try await report("merchant-pharmacy", "sanitation", "2026-11-24T12:00:00")
    // Plaque health: the statue scanned 4 times, the centre twice; the pharmacy verified on patrol.
    for _ in 0..<4 { try await database.countScan(pointID: "statue-south-gate", at: local("2026-11-23T08:00:00")) }
    for _ in 0..<2 { try await database.countScan(pointID: "station-service-centre", at: local("2026-11-24T08:00:00")) }
    try await database.recordVerified(pointID: "merchant-pharmacy", at: local("2026-11-20T10:15:00"), photo: "p.jpg", by: "patrol")
    return database
}


/// The frozen street fixture: `Tests/Fixtures/street/street.yaml` with its two communities (晨宇社区 id 1, 华信社区 id 2),
/// shared departments (d-property, d-city, d-water) and street staff (s-duty).
public func streetFixture() -> String {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Tests/Fixtures/street/street.yaml").path
}

/// A database holding the street fixture.
public func streetSeeded(on backend: StoreBackend = TestBackend.current) async throws -> (AppDatabase, String) {
    let (database, path) = try await backend.emptyStoreAndAddress()
    guard case .street(let street, let communities) = try CommunityLoader.loadAny(path: streetFixture()) else {
        throw ImportError.unreadable("the street fixture is not a street file")
    }
    try await database.importStreet(street, communities: communities)
    return (database, path)
}

/// The street fixture with `slaHistory` in community 1 and, in community 2 (华信社区), a history of its own:
/// B1 taken after 1 min, fixed after 30 min, rated 10; B2 taken after 12 min (a breach), not fixed; B3 never taken.
/// So 华信: 3 reports, 1 kept, 2 breaches, 2 open, rating 10.0 (1); its statue scanned 3 times, its station never.
public func streetHistory(in given: AppDatabase? = nil) async throws -> AppDatabase {
    let street: AppDatabase
    if let given { street = given } else { street = try await streetSeeded().0 }
    let database = try await slaHistory(in: street)
    func report(_ point: String, _ category: String, _ at: String) async throws -> String {
        try await database.createReport(
            ReportDraft(pointID: point, category: category, description: "测试", statusKeyHash: Secret.hash("b" + at)), at: local(at)
        ).report.number
    }
    let b1 = try await report("hx-statue-square", "heating", "2026-11-23T08:00:00")
    try await database.acknowledge(number: b1, by: "hx-wang", at: local("2026-11-23T08:01:00"))
    try await database.resolve(number: b1, by: "hx-wang", note: "ok", at: local("2026-11-23T08:30:00"))
    try await database.rate(number: b1, keyHash: Secret.hash("b2026-11-23T08:00:00"), rating: 10, note: nil, at: local("2026-11-23T09:00:00"))
    let b2 = try await report("hx-station-east", "water", "2026-11-24T10:00:00")
    try await database.acknowledge(number: b2, by: "hx-wang", at: local("2026-11-24T10:12:00"))
    _ = try await report("hx-statue-square", "road", "2026-11-24T11:00:00")
    for _ in 0..<3 { try await database.countScan(pointID: "hx-statue-square", at: local("2026-11-24T08:00:00")) }
    return database
}

/// A part-time grid worker (兼职网格员) entry: 徐超 of 顺丰, who passes through g1 and g2.
public let partTimeEntry = """
  - id: pt-xu
    name: 徐超
    role: part_time
    phone: "13900000007"
    employer: 顺丰
    grids: [g1, g2]

"""

/// `yaml` with `entry` as its first responder.
public func withPartTime(_ yaml: String, _ entry: String = partTimeEntry) -> String {
    yaml.replacingOccurrences(of: "responders:\n", with: "responders:\n" + entry)
}
