import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// `whistle migrate`: a SQLite history copied into an empty PostgreSQL database is the same history there.
@Suite("Moving a history from SQLite to PostgreSQL", .enabled(if: TestBackend.postgresURL != nil && TestBackend.isSQLite, "needs the test cluster; runs once"))
struct MigrateTests {
    @Test("every table and photo copied, counts checked; the same SLA report, timelines, tokens and sign-ins there; a non-empty target refused")
    func copy() async throws {
        let now = local("2026-11-25T18:00:00")
        let (source, _) = try await streetSeeded(on: .sqlite)
        _ = try await streetHistory(in: source)
        #expect(try await source.seedHistory(reports: 2500, days: 40, now: now, seed: 3) > 2400)
        let token = try await source.issueToken(responderID: "r-zhao")
        let link = try await source.issueLoginLink(responderID: "r-qian", lifetime: 86400, at: now)
        let cookie = try await source.redeemLoginLink(token: link, app: .wecom, at: now)
        let photo = try await source.storePhoto(Data([0xFF, 0xD8, 0xFF, 7]), at: now)
        let withPhoto = try await source.createReport(
            ReportDraft(pointID: "hx-statue-square", category: "road", description: "带照片", photoIDs: [photo], statusKeyHash: "k"), at: now)
        await source.settlePhotos([photo])
        let rotated = try await source.rotateCode(pointID: "statue-south-gate", at: now)

        let (target, _) = try await StoreBackend.postgres.emptyStoreAndAddress()
        let copied = try await source.copyHistory(to: target, at: now)
        #expect(copied.allSatisfy { $0.source == $0.target }, "\(copied)")
        let counts = Dictionary(uniqueKeysWithValues: copied.map { ($0.table, $0.source) })
        #expect((counts["report"] ?? 0) > 2400 && counts["event"] ?? 0 > 0 && counts["outbox"] ?? 0 > 0 && counts["photo"] == 1)
        #expect(counts["retired_code"] == 1 && counts["api_token"] == 1 && counts["phone_session"] == 1)

        // The same answers from the copy.
        for grouping in [nil, SLAGrouping.community, .responder] {
            let a = try await source.slaReport(from: "20261001", to: "20261125", by: grouping, now: now)
            let b = try await target.slaReport(from: "20261001", to: "20261125", by: grouping, now: now)
            #expect(try encoded(a) == encoded(b), "by \(String(describing: grouping))")
        }
        let number = withPhoto.report.number
        #expect(try await target.reportView(number: number)?.events.map(\.kind) == source.reportView(number: number)?.events.map(\.kind))
        #expect(try await target.photoData(photo) == Data([0xFF, 0xD8, 0xFF, 7]))
        #expect(try await target.responder(token: token)?.id == "r-zhao")
        #expect(try await target.session(cookie: cookie, at: now)?.responder.id == "r-qian")
        #expect(try await target.lookup(code: rotated.code) == .active(rotated))
        // Numbering and ids go on after the copied ones.
        let next = try await target.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "迁移后", statusKeyHash: "k"), at: now)
        #expect(next.report.id! > withPhoto.report.id!)
        #expect(next.report.number > number)

        // A second copy into the same database is refused, and changes nothing.
        let before = try await target.value("SELECT COUNT(*) FROM report", as: Int.self)
        await #expect(throws: StoreError.self) { try await source.copyHistory(to: target, at: now) }
        #expect(try await target.value("SELECT COUNT(*) FROM report", as: Int.self) == before)
        await target.close()
    }

    private func encoded(_ report: SLAReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
