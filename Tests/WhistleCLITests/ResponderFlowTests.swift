import Foundation
import Testing

/// What `whistle watch --max-events 1` prints for the first event after `trigger`, run once the stream is open.
private func firstWatched(_ server: LiveServer, token: String, trigger: () throws -> Void) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: server.process.executableURL!.path)
    process.arguments = ["watch", "--server", server.base, "--token", token, "--max-events", "1"]
    process.environment = ["NO_COLOR": "1", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // "watching …" comes once the stream is open: only then can no event be missed.
    var banner = Data()
    while !String(decoding: banner, as: UTF8.self).contains("watching") {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        banner += chunk
    }
    try trigger()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return output
}

@Suite("Responders on the command line, against a live server", .serialized)
struct ResponderFlowTests {
    @Test("login → inbox → ack stops the promise → resolve → the resident sees it resolved and rates it")
    func flow() async throws {
        let server = try LiveServer()
        let home = try temporaryFolder().path
        let environment = ["XDG_CONFIG_HOME": home, "NO_COLOR": "1"]
        let token = try whistle(["responders", "token", "r-zhao", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("wh_"))

        let bad = try whistle(["login", "--server", server.base, "--token", "wh_wrong"], environment: environment)
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("whistle: bad token"))
        let login = try whistle(["login", "--server", server.base, "--token", token], environment: environment)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("赵网格员"))

        let location = try server.report(point: try server.code("statue-south-gate"), category: "water", description: "南门下水道冒水")
        let number = try #require(location.firstMatch(of: #/\d{8}-\d{4}/#).map { String($0.0) })
        let inbox = try whistle(["inbox"], environment: environment)
        #expect(inbox.status == 0)
        #expect(inbox.stdout.contains(number))
        #expect(inbox.stdout.contains("南门下水道冒水"))
        #expect(inbox.stdout.contains("红哨塑像（南门）"))
        #expect(!inbox.stdout.contains("13800000009"))
        #expect(inbox.stdout.range(of: #"\b[0-9]:[0-5][0-9]\b"#, options: .regularExpression) != nil, "no countdown in \(inbox.stdout)")

        let ack = try whistle(["ack", number], environment: environment)
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout.contains("within the 10-minute promise"))
        // The dispatcher sends no further step: every step not yet delivered is cancelled.
        let pending = try sh("sqlite3", [server.db, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND cancelled_at IS NULL AND stage = 'promise'"])
        #expect(pending.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let show = try whistle(["show", number], environment: environment)
        #expect(show.stdout.contains("13800000009"), "whoever took it sees the phone")

        let twice = try whistle(["ack", number], environment: environment)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("cannot acknowledge"))
        let noNote = try whistle(["resolve", number], environment: environment)
        #expect(noNote.status != 0)
        let resolve = try whistle(["resolve", number, "--note", "已疏通"], environment: environment)
        #expect(resolve.status == 0, "\(resolve.stderr)")

        let page = try sh("curl", ["-s", server.base + location])
        #expect(page.contains("已办结"))
        #expect(page.contains("已疏通"))
        let key = try #require(location.firstMatch(of: #/k=([a-z0-9]+)/#).map { String($0.1) })
        let rated = try sh("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-d", "k=\(key)&rating=10", server.base + "/t/\(number)/rating"])
        #expect(rated == "303")
        #expect(try sh("sqlite3", [server.db, "SELECT rating FROM report WHERE number = '\(number)'"]).trimmingCharacters(in: .whitespacesAndNewlines) == "10")
    }

    @Test("errors are one clear line: unknown report, not allowed, server unreachable")
    func errors() async throws {
        let server = try LiveServer()
        let token = try whistle(["responders", "token", "r-qian", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let unknown = try whistle(["show", "20990101-0001", "--server", server.base, "--token", token])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "whistle: report 20990101-0001 not found\n")
        let unreachable = try whistle(["inbox", "--server", "http://127.0.0.1:9", "--token", token])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("whistle: cannot reach http://127.0.0.1:9"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
        let revoked = try whistle(["responders", "revoke", "r-qian", "--db", server.db])
        #expect(revoked.stdout.contains("1 token revoked"))
        let after = try whistle(["inbox", "--server", server.base, "--token", token])
        #expect(after.stderr.hasPrefix("whistle: bad token"))
        let json = try whistle(["inbox", "--json", "--server", server.base, "--token", try whistle(["responders", "token", "r-li", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(json.stdout.hasPrefix("["))
    }

    @Test("watch follows new reports live")
    func watch() async throws {
        let server = try LiveServer()
        let token = try whistle(["responders", "token", "r-zhao", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let output = try firstWatched(server, token: token) {
            _ = try server.report(point: try server.code("statue-south-gate"), category: "fire", description: "楼道堆放杂物")
        }
        #expect(output.contains("created"))
        #expect(output.contains("\u{07}"), "no bell for a new report")
        #expect(output.contains("红哨塑像（南门）"))
    }

    @Test("a street on the command line: each worker's inbox holds their community's reports; the street's names the community")
    func street() async throws {
        let server = try LiveServer(street: true)
        let home = try temporaryFolder().path
        func token(_ id: String) throws -> String {
            try whistle(["responders", "token", id, "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func remote(_ id: String, _ arguments: [String]) throws -> Run {
            try whistle(arguments + ["--server", server.base, "--token", try token(id)], environment: ["XDG_CONFIG_HOME": home, "NO_COLOR": "1"])
        }
        _ = try server.report(point: try server.code("statue-south-gate"), category: "water", description: "南门冒水")
        _ = try server.report(point: try server.code("hx-statue-square"), category: "heating", description: "暖气不热")
        let numbers = { (run: Run) -> [String] in
            ((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
        }
        let a = numbers(try remote("r-zhao", ["inbox", "--json"]))
        let b = numbers(try remote("hx-wang", ["inbox", "--json"]))
        #expect(a.count == 1 && b.count == 1 && a != b)
        let refused = try remote("r-zhao", ["ack", b[0]])
        #expect(refused.status != 0 && refused.stderr.contains("not found"), "\(refused.stderr)")
        let street = try remote("s-duty", ["inbox", "--all"])
        #expect(street.stdout.contains("COMMUNITY") && street.stdout.contains("华信社区") && street.stdout.contains("晨宇社区"), "\(street.stdout)")
        let sla = try remote("r-shang", ["sla", "--community", "2"])
        #expect(sla.status != 0 && sla.stderr.contains("not yours"), "\(sla.stderr)")
        // The street's duty officer answers for both communities: the live feed says which one.
        let watched = try firstWatched(server, token: try token("s-duty")) {
            _ = try server.report(point: try server.code("hx-station-east"), category: "water", description: "东门漏水")
        }
        #expect(watched.contains("华信社区 · 东门服务站"), "\(watched)")
    }
}

@Suite("Leader commands through a live server", .serialized)
struct LeaderRemoteTests {
    @Test("scan and sla work over the API with a leader's token, and refuse a grid worker's")
    func remote() async throws {
        let server = try LiveServer()
        let leader = try whistle(["responders", "token", "r-li", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worker = try whistle(["responders", "token", "r-zhao", "--db", server.db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let plaques = server.folder.appendingPathComponent("plaques")
        #expect(try whistle(["plaques", "--point", "statue-south-gate", "--format", "png", "--dpi", "120", "--out", plaques.path, "--db", server.db]).status == 0)
        let photo = plaques.appendingPathComponent("statue-south-gate.png").path

        let scan = try whistle(["scan", photo, "--record", "--json", "--server", server.base, "--token", leader])
        #expect(scan.status == 0, "\(scan.stdout) \(scan.stderr)")
        #expect(scan.stdout.contains("\"verdict\" : \"genuine\""))
        let listing = try whistle(["points", "list", "--json", "--db", server.db]).stdout
        #expect(listing.contains("\"last_verified\""))
        let refused = try whistle(["scan", photo, "--server", server.base, "--token", worker])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("whistle: not allowed"))

        _ = try server.report(point: try server.code("statue-south-gate"), category: "water", description: "远程统计")
        let sla = try whistle(["sla", "--format", "json", "--server", server.base, "--token", leader])
        #expect(sla.status == 0, "\(sla.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(sla.stdout.utf8)) as? [String: Any]
        #expect((object?["overall"] as? [String: Any])?["reports"] as? Int == 1)
        let denied = try whistle(["sla", "--server", server.base, "--token", worker])
        #expect(denied.stderr.hasPrefix("whistle: not allowed"))
    }
}
