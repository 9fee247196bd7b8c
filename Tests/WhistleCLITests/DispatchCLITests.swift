import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import HTTPTypes
import Testing

/// A loopback webhook receiver: every delivery with its idempotency key, report, step and responder, and when it came.
actor Inbox {
    struct Delivery: Sendable {
        var key: String
        var path: String
        var event: String
        var number: String
        var step: Int
        var responder: String
        var at: ContinuousClock.Instant
    }

    private(set) var deliveries: [Delivery] = []

    func add(_ delivery: Delivery) { deliveries.append(delivery) }

    static func start(_ inbox: Inbox) async throws -> (port: Int, task: Task<Void, any Error>) {
        let router = Router()
        router.post("**") { request, _ -> String in
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
            let report = json["report"] as? [String: Any] ?? [:]
            await inbox.add(
                Delivery(
                    key: request.headers[.init("X-Whistle-Delivery")!] ?? "", path: request.uri.path, event: json["event"] as? String ?? "",
                    number: report["number"] as? String ?? "", step: json["step"] as? Int ?? -1, responder: json["responder"] as? String ?? "",
                    at: .now))
            // What a chat robot answers for a message it took (a webhook reads only the status).
            return #"{"errcode":0,"errmsg":"ok"}"#
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        return (await iterator.next() ?? 0, task)
    }
}

/// The reference community with every responder on a webhook to `port` and `policy` in place of the file's.
func communityFile(port: Int, policy: String?) throws -> String {
    var yaml = try String(contentsOf: root.appendingPathComponent("Tests/Fixtures/community-single.yaml"), encoding: .utf8)
    yaml = yaml.replacingOccurrences(
        of: #"(?m)^    channels:\n(      .*\n)+"#, with: "    channels:\n      - webhook: http://127.0.0.1:\(port)/hook\n        secret: s\n",
        options: .regularExpression)
    if let policy { yaml = yaml.replacingOccurrences(of: #"(?ms)^policy:.*"#, with: policy, options: .regularExpression) }
    return yaml
}

func loopbackPort() -> Int { Int.random(in: 20000...40000) }

/// A 20-second promise with steps at 0, 4, 8 and 12 s and no repeats: a whole ladder within a test.
let fastLadder = """
    policy:
      promise: 20s
      steps:
        - { after: 0s, notify: [on_duty] }
        - { after: 4s, notify: [on_duty, backup] }
        - { after: 8s, notify: [grid_leader] }
        - { after: 12s, notify: [secretary] }
      after_breach_every: 1m
      after_breach_repeats: 0
    """

/// An HTTP client for residents: it reports a 303 as it is rather than following it.
func residentClient() -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}

/// `whistle serve` as a child process.
final class Server: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(db: String, port: Int) throws {
        self.port = port
        process.executableURL = binary
        process.arguments = [
            "serve", "--db", db, "--port", String(port), "--client-burst", "100000", "--client-refill", "1", "--point-burst", "100000",
            "--point-refill", "1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func kill9() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

func waitUntilUp(_ client: HTTPClient, port: Int) async throws {
    for _ in 0..<200 {
        if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)),
            response.status == .ok
        {
            return
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw CLIFailure("whistle serve did not come up on port \(port)")
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Scans the plaque's page for its form token, then posts a report; the report number when the server said 303.
func submit(_ client: HTTPClient, port: Int, code: String, category: String, text: String) async -> String? {
    do {
        let page = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/p/\(code)"), timeout: .seconds(5))
        let html = String(buffer: try await page.body.collect(upTo: 1 << 20))
        guard let token = html.firstMatch(of: /name="form_token" value="([^"]+)"/)?.output.1 else { return nil }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/p/\(code)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "category=\(category)&description=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&website=&form_token=\(token)"
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(5))
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard response.status == .seeOther, let location = response.headers.first(name: "Location") else { return nil }
        return location.firstMatch(of: /\/t\/(\d{8}-\d{4})/).map { String($0.output.1) }
    } catch {
        return nil
    }
}

/// The points' codes, from `whistle points list --json`.
func codes(db: String) throws -> [String] {
    let run = try whistle(["points", "list", "--json", "--db", db])
    let points = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
    return points.compactMap { ($0["url"] as? String)?.components(separatedBy: "/p/").last }
}

let categories = ["water", "road", "fire", "elevator", "sanitation", "help", "dispute", "other"]

@Suite("whistle serve under kill -9 and on a long history", .serialized)
struct DispatchCLITests {
    @Test("reports from concurrent residents survive five kill -9s; every due step arrives, once per step, under one key")
    func crash() async throws {
        let inbox = Inbox()
        let (receiverPort, receiver) = try await Inbox.start(inbox)
        defer { receiver.cancel() }
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("crash.sqlite").path
        try communityFile(port: receiverPort, policy: fastLadder).write(toFile: folder.appendingPathComponent("c.yaml").path, atomically: true, encoding: .utf8)
        #expect(try whistle(["import", folder.appendingPathComponent("c.yaml").path, "--db", db]).status == 0)
        let points = try codes(db: db)
        #expect(points.count == 4)

        let client = residentClient()
        let port = loopbackPort()
        var server = try Server(db: db, port: port)
        try await waitUntilUp(client, port: port)

        let accepted = Accepted()
        let residents = Task {
            await withTaskGroup(of: Void.self) { group in
                for resident in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !Task.isCancelled {
                            let code = points[(resident + index) % points.count]
                            let category = categories[(index / points.count + resident) % categories.count]
                            if let number = await submit(client, port: port, code: code, category: category, text: "住户\(resident)的第\(index)件") {
                                await accepted.add(number)
                            }
                            index += 1
                        }
                    }
                }
            }
        }
        for _ in 0..<5 {
            try await Task.sleep(for: .milliseconds(2500))
            server.kill9()
            server = try Server(db: db, port: port)
            try await waitUntilUp(client, port: port)
        }
        try await Task.sleep(for: .seconds(2))
        residents.cancel()
        await residents.value
        let numbers = await accepted.numbers
        #expect(numbers.count >= 20, "residents got \(numbers.count) reports through")

        // Let the last server run until every step has fallen due (12 s), plus a lease (30 s) for rows a killed server held.
        let sqlite = { (sql: String) throws -> String in try sh("sqlite3", [db, sql]).trimmingCharacters(in: .whitespacesAndNewlines) }
        for _ in 0..<90 {
            let pending = try sqlite("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND event <> 'report.digest'")
            if pending == "0" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        server.stop()
        try await client.shutdown()

        // Every report a resident was told about is stored; the file is sound.
        let stored = Set(try sqlite("SELECT number FROM report").split(separator: "\n").map(String.init))
        for number in numbers { #expect(stored.contains(number), "\(number) got a 303 but is not in the database") }
        #expect(try sqlite("PRAGMA integrity_check") == "ok")
        // Every step reached the receiver; none was lost, given up or sent under two keys.
        #expect(try sqlite("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND cancelled_at IS NULL AND event <> 'report.digest'") == "0")
        #expect(try sqlite("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL") == "0")
        let keys = Set(try sqlite("SELECT idem_key FROM outbox WHERE delivered_at IS NOT NULL AND report_id IS NOT NULL").split(separator: "\n").map(String.init))
        let received = await inbox.deliveries
        #expect(keys.isSubset(of: Set(received.map(\.key))), "every delivered step reached the receiver")
        var keysPerStep: [String: Set<String>] = [:]
        for delivery in received where !delivery.number.isEmpty {
            keysPerStep["\(delivery.number) \(delivery.event) \(delivery.step) \(delivery.responder)", default: []].insert(delivery.key)
        }
        #expect(keysPerStep.values.allSatisfy { $0.count == 1 }, "a step arrived under two keys")
    }

    @Test("on 300,000 reports of history, 30 new reports each reach their grid worker within 2 s, and nothing else is sent")
    func longHistory() async throws {
        let inbox = Inbox()
        let (receiverPort, receiver) = try await Inbox.start(inbox)
        defer { receiver.cancel() }
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("history.sqlite").path
        try communityFile(port: receiverPort, policy: nil).write(toFile: folder.appendingPathComponent("c.yaml").path, atomically: true, encoding: .utf8)
        #expect(try whistle(["import", folder.appendingPathComponent("c.yaml").path, "--db", db]).status == 0)
        #expect(try whistle(["dev", "seed", "--reports", "300000", "--days", "365", "--db", db]).status == 0)
        let untaken = try sh("sqlite3", [db, "SELECT COUNT(*) FROM report WHERE status = 'open'"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((Int(untaken) ?? 0) > 5000, "the history holds thousands nobody took")
        let points = try codes(db: db)
        // So that none of the 30 is linked as a duplicate of a synthetic report of the last two hours (and not paged).
        try sh("sqlite3", [db, "UPDATE report SET status = 'resolved' WHERE created_at > datetime('now', '-3 hours') AND status <> 'open'"])
        try sh("sqlite3", [db, "UPDATE report SET status = 'rejected' WHERE created_at > datetime('now', '-3 hours') AND status = 'open'"])

        let client = residentClient()
        let port = loopbackPort()
        let server = try Server(db: db, port: port)
        try await waitUntilUp(client, port: port)
        // Whatever the server sends on its own at start (the morning digest) is not a report's step.
        try await Task.sleep(for: .seconds(2))
        let before = await inbox.deliveries.count

        let submitted = await withTaskGroup(of: (String, ContinuousClock.Instant)?.self) { group in
            for index in 0..<30 {
                group.addTask {
                    let code = points[index % points.count]
                    let category = categories[index / points.count]
                    guard let number = await submit(client, port: port, code: code, category: category, text: "新报事\(index)") else { return nil }
                    return (number, ContinuousClock.now)
                }
            }
            var all: [(String, ContinuousClock.Instant)] = []
            for await item in group { if let item { all.append(item) } }
            return all
        }
        #expect(submitted.count == 30)
        try await Task.sleep(for: .seconds(4))
        server.stop()
        try await client.shutdown()
        let received = await inbox.deliveries
        for (number, at) in submitted {
            let first = received.first { $0.number == number && $0.step == 0 }
            #expect(first != nil, "\(number) never reached its grid worker")
            if let first {
                let seconds = Double((first.at - at).components.seconds) + Double((first.at - at).components.attoseconds) / 1e18
                #expect(seconds < 2, "\(number) took \(seconds) s")
            }
        }
        // Only those 30 first steps: no re-notification of the thousands of untaken old reports.
        #expect(received.count - before == 30, "\(received.count - before) messages")
    }
}

actor Accepted {
    private(set) var numbers: [String] = []
    func add(_ number: String) { numbers.append(number) }
}
