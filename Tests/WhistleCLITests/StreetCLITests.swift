import Foundation
import Testing
import WhistleStore
import WhistleTestSupport

@Suite("whistle for a street: import, points, plaques, sla, demo", .serialized)
struct StreetCLITests {
    let street = root.appendingPathComponent("Tests/Fixtures/street/street.yaml").path

    @Test("importing a street file prints what changed per community; again, no changes anywhere")
    func importStreet() throws {
        let db = try temporaryFolder().appendingPathComponent("s.sqlite").path
        let first = try whistle(["import", street, "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("street 建设街道:\n  street: 1 created (建设街道)"))
        #expect(first.stdout.contains("community 2 华信社区:\n  community: 1 created (华信社区)"))
        let second = try whistle(["import", street, "--db", db])
        #expect(second.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix("no changes: the database already matches the file") }, "\(second.stdout)")
        // A refused community file: one line, non-zero, nothing changed.
        let folder = try temporaryFolder()
        let bad = folder.appendingPathComponent("bad.yaml")
        try (try String(contentsOfFile: root.appendingPathComponent("Tests/Fixtures/street/huaxin.yaml").path, encoding: .utf8))
            .replacingOccurrences(of: "hx-g1", with: "g1").write(to: bad, atomically: true, encoding: .utf8)
        let refused = try whistle(["import", bad.path, "--db", db])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("refused, nothing changed: grid 'g1': field 'id' is used by community 1 (晨宇社区)"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    @Test(
        "every command takes a postgres:// URL: import, points, responders, tokens, sla, and a clear one-line error for a bad URL",
        .enabled(if: TestBackend.postgresURL != nil, "needs the test cluster"))
    func onPostgres() async throws {
        let (store, url) = try await StoreBackend.postgres.emptyStoreAndAddress()
        await store.close()
        let first = try whistle(["import", street, "--db", url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("community 2 华信社区:\n  community: 1 created (华信社区)"))
        #expect(try whistle(["import", street, "--db", url]).stdout.contains("no changes"))
        let list = try whistle(["points", "list", "--db", url, "--community", "2"])
        #expect(list.status == 0 && list.stdout.contains("hx-statue-square"), "\(list.stderr)")
        let token = try whistle(["responders", "token", "hx-wang", "--db", url])
        #expect(token.status == 0, "\(token.stderr)")
        // The same database through the environment, as a systemd unit gives it.
        let sla = try whistle(["sla", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"], environment: ["WHISTLE_DB": url])
        #expect(sla.status == 0, "\(sla.stderr)")
        #expect(sla.stdout.contains("\"communities\""), "\(sla.stdout.prefix(300))")
        let bad = try whistle(["points", "list", "--db", "postgres://nobody@127.0.0.1:1/none?sslmode=disable"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("cannot use database postgres://nobody@127.0.0.1:1/none"), "\(bad.stderr)")
        let typo = try whistle(["points", "list", "--db", "postgres://x@h/d?pool=lots"])
        #expect(typo.status != 0 && typo.stderr.contains("pool is a number"), "\(typo.stderr)")
    }

    @Test(
        "migrate: a SQLite street moved into an empty PostgreSQL database, counts printed; a second time refused in one line",
        .enabled(if: TestBackend.postgresURL != nil, "needs the test cluster"))
    func migrate() async throws {
        let db = try temporaryFolder().appendingPathComponent("s.sqlite").path
        #expect(try whistle(["import", street, "--db", db]).status == 0)
        #expect(try whistle(["dev", "seed", "--reports", "500", "--days", "30", "--db", db]).status == 0)
        let (store, url) = try await StoreBackend.postgres.emptyStoreAndAddress()
        await store.close()
        let moved = try whistle(["migrate", "--from", db, "--to", url])
        #expect(moved.status == 0, "\(moved.stderr)")
        let reports = try #require(moved.stdout.firstMatch(of: /report: (\d+) → (\d+)/), "\(moved.stdout)")
        #expect(reports.output.1 == reports.output.2 && Int(reports.output.1)! > 400)
        #expect(moved.stdout.contains("point: 6 → 6") && !moved.stdout.contains("MISMATCH"), "\(moved.stdout)")
        let list = try whistle(["points", "list", "--db", url, "--community", "2"])
        #expect(list.status == 0 && list.stdout.contains("hx-statue-square"))
        let again = try whistle(["migrate", "--from", db, "--to", url])
        #expect(again.status != 0 && again.stderr.contains("the target is not empty") && again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")
        let backwards = try whistle(["migrate", "--from", url, "--to", db])
        #expect(backwards.status != 0 && backwards.stderr.contains("--from is a SQLite file"))
    }

    @Test("points and plaques by community: a COMMUNITY column, --community, each plaque under its community's name and address")
    func pointsAndPlaques() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("s.sqlite").path
        #expect(try whistle(["import", street, "--db", db]).status == 0)
        let list = try whistle(["points", "list", "--db", db])
        #expect(list.stdout.hasPrefix("COMMUNITY"))
        #expect(list.stdout.contains("华信社区") && list.stdout.contains("晨宇社区"))
        let two = try whistle(["points", "list", "--db", db, "--community", "2", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["id"] as? String } == ["hx-station-east", "hx-statue-square"])
        #expect(rows.allSatisfy { $0["community"] as? Int == 2 })
        #expect(try whistle(["points", "list", "--db", db, "--community", "9"]).stderr.contains("no community 9"))
        let out = folder.appendingPathComponent("plaques")
        let printed = try whistle(["plaques", "--all", "--community", "2", "--format", "png", "--out", out.path, "--db", db])
        #expect(printed.status == 0, "\(printed.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["hx-station-east.png", "hx-statue-square.png"])
        let urls = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as! String, $0["url"] as! String) })
        for file in files {
            let decoded = try sh("zbarimg", ["--nodbus", "--raw", "-q", out.appendingPathComponent(file).path])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(decoded == urls[String(file.dropLast(4))], "\(file)")
        }
        // The plaque names its own community (read back from the PDF's text, as a printer would see it).
        let pdf = folder.appendingPathComponent("pdf")
        #expect(try whistle(["plaques", "--point", "hx-statue-square", "--format", "pdf", "--out", pdf.path, "--db", db]).status == 0)
        let printedText = try sh("pdftotext", [pdf.appendingPathComponent("hx-statue-square.pdf").path, "-"])
        #expect(printedText.contains("华信社区") && !printedText.contains("晨宇社区"), "\(printedText)")
    }

    @Test("sla: the communities side by side in every format, --community for one, a clear error for none")
    func sla() async throws {
        let db = try await streetHistory().path
        let period = ["--from", "2026-11-23", "--to", "2026-11-24"]
        let table = try whistle(["sla", "--db", db] + period, environment: ["NO_COLOR": "1"])
        #expect(table.stdout.hasPrefix("建设街道 — 10分钟承诺 SLA"))
        #expect(table.stdout.range(of: #"华信社区\s+3\s+33\.3%\s+1:00\s+2"#, options: .regularExpression) != nil, "\(table.stdout)")
        let html = try whistle(["sla", "--db", db, "--format", "html"] + period)
        let side = try #require(html.stdout.range(of: "id=\"communities\""))
        #expect(side.lowerBound < (html.stdout.range(of: "Reports per day")?.lowerBound ?? side.lowerBound), "the communities open the report")
        let one = try whistle(["sla", "--db", db, "--format", "html", "--community", "2"] + period)
        #expect(one.status == 0 && !one.stdout.contains("id=\"communities\"") && one.stdout.contains("华信社区 · 10分钟承诺"))
        let csv = try whistle(["sla", "--db", db, "--format", "csv", "--by", "community"] + period)
        #expect(csv.stdout.contains("\n2,华信社区,3,1,33.3,") && csv.stdout.contains("\ncommunity/2,华信社区,3,1,33.3,"))
        let none = try whistle(["sla", "--db", db, "--community", "9"] + period)
        #expect(none.status != 0 && none.stderr.contains("no community 9"))
    }

    @Test("demo seeds the street: both communities' points, a token for a worker of each and for the street")
    func demo() throws {
        let folder = try temporaryFolder()
        let text = try runDemo(db: folder.appendingPathComponent("demo.sqlite").path)
        #expect(text.contains("Seeded assets/demo/street.yaml into \(folder.appendingPathComponent("demo.sqlite").path)."), "\(text)")
    }

    @Test("demo on PostgreSQL never prints the URL's password", .enabled(if: TestBackend.postgresURL != nil, "needs the test cluster"))
    func demoOnPostgres() async throws {
        let (store, url) = try await StoreBackend.postgres.emptyStoreAndAddress()
        await store.close()
        let withPassword = url.replacingOccurrences(of: "://whistle@", with: "://whistle:s3cret-pw@")
        let text = try runDemo(db: withPassword)
        #expect(text.contains("Seeded assets/demo/street.yaml into postgres://whistle@"), "\(text)")
        #expect(!text.contains("s3cret-pw"))
    }

    /// Runs `whistle demo` until it prints its health line; what it printed, after checking the street's lines.
    private func runDemo(db: String) throws -> String {
        let port = Int(try sh("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 18099
        let process = Process()
        process.executableURL = binary
        process.currentDirectoryURL = root
        process.arguments = ["demo", "--db", db, "--port", String(port)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("Health:") && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("晨宇社区 (community 1)") && text.contains("华信社区 (community 2)"), "\(text)")
        #expect(text.contains("红哨塑像（华信广场）  http://127.0.0.1:\(port)/p/"))
        #expect(text.contains("A token for 赵网格员, grid_worker") && text.contains("A token for 王网格员, grid_worker"), "\(text)")
        #expect(text.contains("A token for 街道值班员, street"))
        return text
    }
}
