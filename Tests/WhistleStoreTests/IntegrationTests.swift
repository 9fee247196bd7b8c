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
}
