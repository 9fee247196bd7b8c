import Foundation
import WhistleCore

/// A report as the resident who filed it sees it listed on the plaque's page.
public struct ResidentReport: Sendable {
    public var report: Report
    public var pointName: String
}

extension AppDatabase {
    /// The reports of `entries` (number and the SHA-256 of its status key) whose key matches, in the order given: a
    /// phone's own reports, proven by the keys it kept. One read; a number with another key is left out.
    public func residentReports(_ entries: [(number: String, keyHash: String)]) async throws -> [ResidentReport] {
        guard !entries.isEmpty else { return [] }
        let snapshot = try await snapshot()
        let reports = try await read { tx in
            try tx.fetchAll(
                Report.self, "SELECT * FROM report WHERE number IN (\(entries.map { _ in "?" }.joined(separator: ",")))",
                SQLArguments(entries.map { .text($0.number) }))
        }
        let byNumber = Dictionary(reports.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        var found: [ResidentReport] = []
        for entry in entries {
            guard let report = byNumber[entry.number], Secret.equal(report.statusKeyHash, entry.keyHash) else { continue }
            found.append(ResidentReport(report: report, pointName: snapshot.point(id: report.pointID)?.name ?? report.pointID))
        }
        return found
    }
}
