import Foundation
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

/// Open311 integrations' keys (#18): issued once, stored hashed, scoped, rotated and revoked.
@Suite("Open311 integration keys")
struct IntegrationTests {
    @Test("a key is shown once and stored only as its hash; a second key for the name rotates it; revoked keys open nothing")
    func lifecycle() async throws {
        let (database, _) = try await seeded()
        let first = try await database.issueIntegrationKey(name: "city-311", communities: [1], at: local("2026-11-23T09:00:00"))
        #expect(first.key.hasPrefix("o311_") && !first.replaced)
        let stored: [String] = try await database.column("SELECT key_hash FROM integration")
        #expect(stored == [Secret.hash(first.key)] && !stored.contains(first.key))
        #expect(try await database.integration(key: first.key)?.communities == [1])
        #expect(try await database.integration(key: "o311_guess") == nil)

        let second = try await database.issueIntegrationKey(name: "city-311", communities: [1], at: local("2026-11-23T10:00:00"))
        #expect(second.replaced && second.key != first.key)
        #expect(try await database.integration(key: first.key) == nil)
        #expect(try await database.integration(key: second.key)?.name == "city-311")

        let listed = try await database.integrations()
        #expect(listed.map(\.name) == ["city-311", "city-311"])
        #expect(listed[0].revokedAt == nil && listed[1].revokedAt == local("2026-11-23T10:00:00"))
        #expect(listed.allSatisfy { $0.filed == 0 })

        #expect(try await database.revokeIntegration(name: "city-311") == 1)
        #expect(try await database.revokeIntegration(name: "city-311") == 0)
        #expect(try await database.integration(key: second.key) == nil)
    }

    @Test("a key is scoped to existing communities only")
    func scope() async throws {
        let (database, _) = try await streetSeeded()
        let both = try await database.issueIntegrationKey(name: "district", communities: [2, 1, 2])
        #expect(try await database.integration(key: both.key)?.communities == [1, 2])
        await #expect(throws: StoreError.notFound("community 9")) { _ = try await database.issueIntegrationKey(name: "x", communities: [9]) }
        await #expect(throws: StoreError.self) { _ = try await database.issueIntegrationKey(name: "x", communities: []) }
        #expect(try await database.integrations().map(\.name) == ["district"])
    }

    @Test("filing through a key: what the client sent is kept beside the report; a revoked or foreign key files nothing")
    func filing() async throws {
        let (database, _) = try await streetSeeded()
        let issued = try await database.issueIntegrationKey(name: "city311", communities: [1])
        let integration = try #require(try await database.integration(key: issued.key))
        var draft = ReportDraft(pointID: "statue-south-gate", category: "water", description: "漏水", phone: "13800000009", statusKeyHash: "h")
        draft.integrationID = integration.id
        draft.submitter = Submitter(integrationName: "city311", mediaURL: "https://x.example/1.jpg", accountID: "a1", firstName: "Li", email: "li@example.org")
        let created = try await database.createReport(draft, at: local("2026-11-23T09:00:00"))
        #expect(created.report.status == .open)
        let kept: [String] = try await database.column("SELECT first_name || ' ' || email || ' ' || media_url FROM open311_request")
        #expect(kept == ["Li li@example.org https://x.example/1.jpg"])

        // Another community's point: the key's scope is checked in the report's own transaction.
        var foreign = draft
        foreign.pointID = "hx-statue-square"
        await #expect(throws: StoreError.self) { _ = try await database.createReport(foreign, at: local("2026-11-23T09:01:00")) }
        try await database.revokeIntegration(name: "city311")
        var late = draft
        late.pointID = "merchant-pharmacy"
        await #expect(throws: StoreError.self) { _ = try await database.createReport(late, at: local("2026-11-23T09:02:00")) }
        #expect(try await database.column("SELECT COUNT(*) FROM report") as [Int] == [1])

        // After a year the names, email and ids go with the phone; the client's media link stays.
        try await database.purgePersonalData(createdBefore: local("2027-11-24T09:00:00"), at: local("2027-11-24T09:00:00"))
        let left: [String] = try await database.column(
            "SELECT COALESCE(first_name, '-') || COALESCE(email, '-') || COALESCE(account_id, '-') || media_url FROM open311_request")
        #expect(left == ["---https://x.example/1.jpg"])
    }

    @Test("service requests: window, codes, states (a duplicate follows its original), paging, newest first")
    func serviceRequests() async throws {
        let (database, _) = try await seeded()
        func file(_ point: String, _ category: String, _ at: String) async throws -> String {
            try await database.createReport(
                ReportDraft(pointID: point, category: category, description: "x", statusKeyHash: "h"), at: local(at)).report.number
        }
        let old = try await file("station-guard-north", "road", "2026-08-01T09:00:00")
        let water = try await file("statue-south-gate", "water", "2026-11-23T09:00:00")
        let again = try await file("statue-south-gate", "water", "2026-11-23T09:05:00")
        let noise = try await file("merchant-pharmacy", "noise", "2026-11-23T09:10:00")
        try await database.acknowledge(number: water, by: "r-zhao", at: local("2026-11-23T09:20:00"))
        _ = try await database.resolve(number: water, by: "r-zhao", note: "修好", at: local("2026-11-23T09:30:00"))
        func numbers(_ edit: (inout ServiceRequestFilter) -> Void) async throws -> [String] {
            var filter = ServiceRequestFilter(communityID: 1, from: local("2026-11-01T00:00:00"), to: local("2026-11-30T00:00:00"))
            edit(&filter)
            return try await database.serviceRequests(filter).map(\.view.report.number)
        }
        #expect(try await numbers { _ in } == [noise, again, water])
        #expect(try await numbers { $0.states = [.closed] } == [again, water])
        #expect(try await numbers { $0.states = [.open] } == [noise])
        #expect(try await numbers { $0.categories = ["noise", "road"] } == [noise])
        #expect(try await numbers { $0.numbers = [old, noise] } == [noise, old])
        #expect(try await numbers { $0.limit = 1; $0.offset = 1 } == [again])
        #expect(try await numbers { $0.communityID = 2 } == [])
        let duplicate = try #require(try await database.serviceRequests(ServiceRequestFilter(communityID: 1, numbers: [again], from: .distantPast, to: .distantFuture)).first)
        #expect(duplicate.view.original?.number == water && duplicate.originalEvents.contains { $0.kind == .resolved })
    }
}
