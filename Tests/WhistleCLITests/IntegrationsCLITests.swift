import Foundation
import Testing
import WhistleCore
import WhistleStore

/// `whistle integrations key | list | revoke`, run as the office would (#18).
@Suite("whistle integrations")
struct IntegrationsCLITests {
    let reference = root.appendingPathComponent("Tests/Fixtures/community-single.yaml").path

    @Test("a key is printed once, listed without it, rotated and revoked; bad names and scopes are one-line errors")
    func keys() async throws {
        let db = try temporaryFolder().appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let issued = try whistle(["integrations", "key", "city-311", "--db", db])
        #expect(issued.status == 0, "\(issued.stderr)")
        let key = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("o311_") && !key.contains("\n"))
        #expect(issued.stderr.contains("community 1 晨宇社区") && issued.stderr.contains("shown once"))
        let store = try AppDatabase.open(path: db)
        #expect(try await store.integration(key: key)?.communities == [1])

        let rotated = try whistle(["integrations", "key", "city-311", "--db", db])
        #expect(rotated.stderr.contains("previous key is revoked"))
        #expect(try await store.integration(key: key) == nil)

        let list = try whistle(["integrations", "list", "--db", db])
        #expect(list.status == 0 && list.stdout.contains("NAME") && list.stdout.contains("city-311"))
        #expect(!list.stdout.contains("o311_"))

        #expect(try whistle(["integrations", "revoke", "city-311", "--db", db]).stdout.contains("city-311: key revoked"))
        let again = try whistle(["integrations", "revoke", "city-311", "--db", db])
        #expect(again.status != 0 && again.stderr.contains("no active key for 'city-311'"))

        let badName = try whistle(["integrations", "key", "City 311", "--db", db])
        #expect(badName.status != 0 && badName.stderr.contains("a-z, 0-9"))
        let badCommunity = try whistle(["integrations", "key", "x", "--community", "9", "--db", db])
        #expect(badCommunity.status != 0 && badCommunity.stderr.contains("no community 9"))
        #expect(badCommunity.stderr.split(separator: "\n").count == 1)
    }
}
