import AsyncHTTPClient
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WhistleDispatch
import WhistleImaging
import WhistleServer
import WhistleStore

/// Where the HTTP server listens.
struct ListenOptions: ParsableArguments {
    // Not `hostname` with a short flag: `-h` is help.
    @Option(help: "Address to listen on; 0.0.0.0 to let phones on the LAN reach it.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("trusted-proxy"), help: "A reverse proxy's IP whose X-Forwarded-For is believed (repeatable).")
    var trustedProxies: [String] = []

    @Option(name: .customLong("metrics-from"), help: "An IP besides loopback that may read /metrics, e.g. a Prometheus host (repeatable).")
    var metricsFrom: [String] = []

    @Option(help: "Reports a client may send at once, then one more per --client-refill seconds.")
    var clientBurst = 6
    @Option(help: "Seconds for a client to earn one more report.")
    var clientRefill = 120.0
    @Option(help: "Reports a point may receive at once, then one more per --point-refill seconds.")
    var pointBurst = 30
    @Option(help: "Seconds for a point to earn one more report.")
    var pointRefill = 60.0

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard clientBurst >= 1, pointBurst >= 1, clientRefill > 0, pointRefill > 0 else {
            throw ValidationError("rate limits must be positive")
        }
    }

    var config: ServerConfig {
        ServerConfig(
            host: host, port: port, trustedProxies: Set(trustedProxies),
            limits: RateLimits(
                perClient: .init(burst: clientBurst, refillSeconds: clientRefill),
                perPoint: .init(burst: pointBurst, refillSeconds: pointRefill)),
            metricsFrom: Set(metricsFrom))
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server and the dispatcher in one process."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let lock = try Server.serveLock(database.path())
        defer { lock?.release() }
        let store = try await database.open()
        guard try await !store.communities().isEmpty else {
            throw CLIError("the database \(database.shown()) has no community yet: run `whistle import FILE.yaml` first")
        }
        let https = try await store.communities().contains { $0.baseURL.hasPrefix("https://") }
        if https && listen.trustedProxies.isEmpty {
            // The TLS proxy's X-Forwarded-Proto is believed only from a trusted proxy: without one, phone cookies are
            // set as over plain HTTP (not Secure, not __Host-).
            FileHandle.standardErrorWrite("whistle: warning: base_url is https:// but no --trusted-proxy is given; phone sign-in cookies will not be Secure\n")
        }
        try await Server.run(store: store, listen: listen)
    }
}

enum Server {
    /// Held for as long as this process serves a SQLite file, and taken before the file is opened: `whistle restore`
    /// refuses while any server holds it, and a server will not start while a restore is swapping the file.
    static func serveLock(_ location: String) throws -> ServeLock? {
        guard !PostgresLocation.isURL(location) else { return nil }
        let folder = URL(fileURLWithPath: location).deletingLastPathComponent().path
        // A missing folder is reported by the store's own open, with its reason.
        guard FileManager.default.fileExists(atPath: folder) else { return nil }
        let lock = try ServeLock(databasePath: location)
        guard lock.tryShare() else { throw CLIError("\(location) is being restored (whistle restore); start the server once it has finished") }
        return lock
    }

    static func run(store: AppDatabase, listen: ListenOptions) async throws {
        // Photos are opened lazily (see CVips/shim.h); a server must know at start that it can take them.
        do { try Photo.prepare() } catch { throw CLIError("\(error)") }
        let logger = Logger(label: "whistle")
        let metrics = WhistleMetrics()
        // Its own HTTP client: robots and webhooks that hang hold connections, and the shared client allows 8 per host.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        // One time source for the dispatcher and the request handlers.
        let time = SystemTimekeeper()
        let dispatcher = Dispatcher(
            database: store, time: time, transport: AsyncHTTPTransport(client: client), logger: logger, metrics: metrics)
        let app = try await buildApplication(
            config: listen.config, database: store, clock: time, notifier: { dispatcher.wake() }, metrics: metrics, services: [dispatcher],
            logger: logger)
        // SIGTERM (systemd's stop) or Ctrl-C: stop accepting, let requests and deliveries in flight finish, but never
        // longer than 20 s, so a stalled upload cannot outlast the unit's TimeoutStopSec=30 and be SIGKILLed instead.
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(20)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            try? await client.shutdown()
            throw CLIError("server stopped: \(error)")
        }
        try? await client.shutdown()
    }
}
