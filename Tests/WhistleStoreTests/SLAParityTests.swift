import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// One history, both backends, the same SLA report: SQLite reads its index row by row (`SLAScan.run`), PostgreSQL adds
/// up on the server (`SLAScan.aggregated`); these hold the two sets of counting rules equal.
@Suite(
    "SLA parity: SQLite and PostgreSQL give the same figures",
    .enabled(if: TestBackend.postgresURL != nil && TestBackend.isSQLite, "needs the test cluster; runs once, in the SQLite pass"))
struct SLAParityTests {
    @Test("every grouping, all communities and one, for a street with a known history and 4,000 synthetic reports")
    func parity() async throws {
        let now = local("2026-11-25T18:00:00")
        var reports: [StoreBackend: [String]] = [:]
        for backend in [StoreBackend.sqlite, .postgres] {
            let (store, _) = try await streetSeeded(on: backend)
            _ = try await slaHistory(in: store)
            #expect(try await store.seedHistory(reports: 4000, days: 45, now: now, seed: 7) > 3900)
            var encoded: [String] = []
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .millisecondsSince1970
            for communities in [nil, Set([2 as Int64])] {
                for grouping in [nil] + SLAGrouping.allCases {
                    let report = try await store.slaReport(from: "20261001", to: "20261125", by: grouping, communities: communities, now: now)
                    encoded.append(String(decoding: try encoder.encode(report), as: UTF8.self))
                }
            }
            reports[backend] = encoded
            await store.close()
        }
        let sqlite = try #require(reports[.sqlite])
        let postgres = try #require(reports[.postgres])
        #expect(sqlite.count == postgres.count)
        for (a, b) in zip(sqlite, postgres) {
            #expect(a == b, "the first difference is near: \(firstDifference(a, b))")
        }
        #expect(sqlite[0].contains("\"breaches\""), "the report has figures to compare")
        #expect(sqlite[0].contains("\"departments\":[{"), "departments' figures too (added up by PostgreSQL itself)")
    }

    private func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a), y = Array(b)
        let index = x.indices.first { $0 >= y.count || x[$0] != y[$0] } ?? x.count
        let from = max(0, index - 120)
        return "SQLite …\(String(x[from..<min(x.count, index + 120)]))… PostgreSQL …\(String(y[from..<min(y.count, index + 120)]))…"
    }
}
