import Foundation
import Testing
import WhistleStore
import WhistleTestSupport

/// The PostgreSQL address `--db` takes, and the checks made of a server before it is trusted with reports.
@Suite("PostgreSQL: address and server")
struct PostgresTests {
    @Test("a postgres:// URL is read whole: user, password, host, port, database and options")
    func parse() throws {
        let full = try PostgresLocation.parse("postgresql://whistle:s%40cret@db.example.cn:6432/street?sslmode=require&pool=8", environment: [:])
        #expect(full.user == "whistle" && full.password == "s@cret" && full.host == "db.example.cn" && full.port == 6432)
        #expect(full.database == "street" && full.sslMode == .require && full.pool == 8 && !full.allowFsyncOff)
        #expect(full.redacted == "postgres://whistle@db.example.cn:6432/street")
        #expect(full.address == "postgres://whistle@db.example.cn:6432/street?sslmode=require&pool=8", "no password, the options kept")
        let plain = try PostgresLocation.parse("postgres://whistle@127.0.0.1/whistle", environment: ["PGPASSWORD": "from-env"])
        #expect(plain.port == 5432 && plain.password == "from-env" && plain.sslMode == .prefer)
        #expect(PostgresLocation.isURL("postgres://x@y/z") && !PostgresLocation.isURL("whistle.sqlite"))
    }

    @Test("a URL that cannot work is refused naming what is wrong, and never echoes the password")
    func refusals() {
        for (text, why) in [
            ("postgres://whistle@host", "no database"), ("postgres://host/db", "no user"), ("postgres://u@host/db?sslmode=maybe", "sslmode"),
            ("postgres://u@host/db?pool=0", "pool"), ("postgres://u@host/db?colour=red", "unknown option 'colour'"),
            ("postgres://u:hunter2@/db", "no host"),
        ] {
            do {
                _ = try PostgresLocation.parse(text, environment: [:])
                Issue.record("\(text) was accepted")
            } catch {
                #expect("\(error)".contains(why), "\(text): \(error)")
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }

    @Test(
        "the test cluster is reachable, new enough, and refused while it runs with fsync=off unless the URL allows it",
        .enabled(if: TestBackend.postgresURL != nil, "needs a PostgreSQL cluster: make test starts one (scripts/pg-test-cluster.sh)"))
    func server() async throws {
        let location = try PostgresLocation.parse(try #require(TestBackend.postgresURL))
        let facts = try await PostgresServer.check(location)
        #expect(facts.version >= PostgresServer.minimumVersion)
        #expect(!facts.fsync, "the test cluster runs with fsync=off")
        var strict = location
        strict.allowFsyncOff = false
        await #expect(throws: StoreError.self) { try await PostgresServer.check(strict) }
        var wrong = location
        wrong.port = 1
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await PostgresServer.check(wrong, timeout: .seconds(2)) }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
