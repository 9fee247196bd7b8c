import Clocks
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WhistleCore
import WhistleDispatch
import WhistleStore
import WhistleTestSupport

/// Monday 2026-11-23 09:00 in Shanghai: r-zhao on duty for g1, r-qian backup.
let t0 = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00+08:00")!


/// The reference community (the shared fixture), with channels rewritten by `channels` (by responder id).
func database(channels: (Responder) -> [WhistleCore.Channel] = { _ in [.log] }) async throws -> AppDatabase {
    let (database, _) = try await temporaryDatabase()
    try await database.importCommunity(try community(channels: channels))
    return database
}

func community(channels: (Responder) -> [WhistleCore.Channel]) throws -> Community {
    var community = try CommunityLoader.parse(try referenceYAML())
    for index in community.responders.indices { community.responders[index].channels = channels(community.responders[index]) }
    return community
}

func draft(_ point: String = "statue-south-gate", category: String = "water") -> ReportDraft {
    ReportDraft(pointID: point, category: category, description: "下水道冒水", phone: "13800000009", statusKeyHash: "h")
}

/// A dispatcher on a test clock starting at `epoch`.
func dispatcher(
    _ database: AppDatabase, clock: TestClock<Duration>, epoch: Date = t0, transport: any HTTPTransport = AsyncHTTPTransport(),
    time: ClockTimekeeper<TestClock<Duration>>? = nil, configure: (inout Dispatcher.Settings) -> Void = { _ in }
) -> Dispatcher {
    var settings = Dispatcher.Settings()
    settings.requestTimeout = .seconds(2)
    // The test clock keeps the scenario's own date; the database's clock is today's.
    settings.maxClockSkew = nil
    configure(&settings)
    var logger = Logger(label: "test")
    if ProcessInfo.processInfo.environment["DBG"] != nil { logger.logLevel = .debug }
    return Dispatcher(
        database: database, time: time ?? ClockTimekeeper(clock: clock, epoch: epoch), transport: transport, logger: logger,
        settings: settings)
}

/// Every responder on a channel of the loopback receiver.
func wired(_ base: String) -> (Responder) -> [WhistleCore.Channel] {
    { responder in
        switch responder.id {
        case "r-zhao": [.webhook(url: base + "/hook", secret: "s3cret")]
        case "r-qian": [.wecom(url: base + "/wecom?key=K")]
        case "r-li": [.dingtalk(url: base + "/ding?access_token=T", secret: "SECding")]
        case "r-shang": [.feishu(url: base + "/feishu", secret: "FSsecret")]
        default: [.webhook(url: base + "/dept", secret: "d")]
        }
    }
}

func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }

/// The text a robot received (WeCom, DingTalk, Feishu), or the webhook's raw body.
func text(_ received: Receiver.Received) -> String {
    let body = json(received.body)
    if let text = (body["text"] as? [String: Any])?["content"] as? String { return text }
    if let text = (body["content"] as? [String: Any])?["text"] as? String { return text }
    return String(decoding: received.body, as: UTF8.self)
}

/// Advances the clock `seconds` at a time up to `total`, running one dispatcher pass after each step.
func walk(_ dispatcher: Dispatcher, _ clock: TestClock<Duration>, every seconds: Int, for total: Int) async throws {
    var elapsed = 0
    while elapsed < total {
        await clock.advance(by: .seconds(seconds))
        elapsed += seconds
        try await dispatcher.pass()
    }
}

/// Delivered rows as `step responder event` lines, in delivery order.
func delivered(_ database: AppDatabase, number: String = "20261123-0001") async throws -> [String] {
    try await database.column(
        """
        SELECT outbox.step || ' ' || outbox.responder_id || ' ' || outbox.event FROM outbox JOIN report ON report.id = outbox.report_id
        WHERE report.number = ? AND delivered_at IS NOT NULL ORDER BY delivered_at, outbox.id
        """, [number])
}

/// A real HTTP server on loopback that records what it receives and answers as scripted.
actor Receiver {
    struct Received: Sendable {
        var path: String
        var query: String
        var headers: HTTPFields
        var body: Data
        var at: Date
    }

    private(set) var received: [Received] = []
    /// Answers per path, used in order; when used up, 200 `{"errcode":0}`.
    private var script: [String: [(HTTPResponse.Status, HTTPFields, String)]] = [:]
    /// Paths that answer only after this long (a hung robot).
    private var delays: [String: Duration] = [:]

    /// Paths that send their headers and one byte, then stall (a robot that trickles its answer).
    private var trickles: Set<String> = []

    func trickle(_ path: String) { trickles.insert(path) }

    func trickles(_ path: String) -> Bool { trickles.contains(path) }

    func delay(_ path: String, by duration: Duration) {
        delays[path] = duration
    }

    func delay(for path: String) -> Duration? { delays[path] }

    func answer(_ path: String, _ answers: [(HTTPResponse.Status, HTTPFields, String)]) {
        script[path] = answers
    }

    func record(path: String, query: String, headers: HTTPFields, body: Data) -> (HTTPResponse.Status, HTTPFields, String) {
        received.append(Received(path: path, query: query, headers: headers, body: body, at: Date()))
        if var answers = script[path], !answers.isEmpty {
            let next = answers.removeFirst()
            script[path] = answers
            return next
        }
        return (.ok, [:], #"{"errcode":0,"errmsg":"ok"}"#)
    }

    func count(_ path: String) -> Int { received.filter { $0.path == path }.count }

    /// Starts the receiver; returns its base URL and the task serving it (cancel to stop).
    static func start(_ receiver: Receiver) async throws -> (url: String, task: Task<Void, any Error>) {
        let router = Router()
        router.post("**") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            if await receiver.trickles(request.uri.path) {
                _ = await receiver.record(path: request.uri.path, query: request.uri.query ?? "", headers: request.headers, body: Data(body.readableBytesView))
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "{"))
                        try await Task.sleep(for: .seconds(600))
                        try await writer.finish(nil)
                    })
            }
            let (status, headers, text) = await receiver.record(path: request.uri.path, query: request.uri.query ?? "", headers: request.headers, body: Data(body.readableBytesView))
            if let delay = await receiver.delay(for: request.uri.path) { try await Task.sleep(for: delay) }
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return ("http://127.0.0.1:\(port)", task)
    }
}
