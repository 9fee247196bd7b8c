import Foundation
import WhistleCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WhistleDispatch
import WhistleStore

/// Builds the whole HTTP application; `whistle serve`, `whistle demo` and the tests all call this.
///
/// `notifier` is called after each report commits, so the dispatcher can wake at once instead of at its next poll.
public func buildApplication(
    config: ServerConfig,
    database: AppDatabase,
    clock: any WallClock = SystemWallClock(),
    notifier: @escaping @Sendable () -> Void = {},
    metrics: WhistleMetrics = WhistleMetrics(),
    services: [any Service] = [],
    logger: Logger = Logger(label: "whistle.server")
) async throws -> some ApplicationProtocol {
    let scans = ScanCounter(database: database, interval: config.scanFlushEvery, logger: logger)
    let router = try await buildRouter(
        config: config, database: database, clock: clock, notifier: notifier, metrics: metrics, logger: logger, scans: scans)
    let idle = TimeAmount.nanoseconds(Int64(config.idleTimeout.components.seconds) * 1_000_000_000 + config.idleTimeout.components.attoseconds / 1_000_000_000)
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: idle)),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "whistle"),
        services: services + [scans],
        logger: logger
    )
}

/// Every route of the server; tests read its route list against the OpenAPI document.
public func buildRouter(
    config: ServerConfig, database: AppDatabase, clock: any WallClock = SystemWallClock(), notifier: @escaping @Sendable () -> Void = {},
    metrics: WhistleMetrics = WhistleMetrics(), logger: Logger = Logger(label: "whistle.server")
) async throws -> Router<WhistleRequestContext> {
    try await buildRouter(
        config: config, database: database, clock: clock, notifier: notifier, metrics: metrics, logger: logger,
        scans: ScanCounter(database: database, logger: logger))
}

func buildRouter(
    config: ServerConfig, database: AppDatabase, clock: any WallClock, notifier: @escaping @Sendable () -> Void, metrics: WhistleMetrics,
    logger: Logger, scans: ScanCounter
) async throws -> Router<WhistleRequestContext> {
    let pages = try await Pages.load()
    let tokens = FormTokens(key: try await database.serverKey(named: FormTokens.keyName))
    let links = PhotoLinks(key: try await database.serverKey(named: "photo-link"))
    let photos = PhotoStore(database: database)
    let openAPI = try OpenAPIDocument.load()
    let router = Router(context: WhistleRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    HealthController(database: database, clock: clock, maxClockSkew: config.maxClockSkew).addRoutes(to: router)
    let filing = ReportFiling(database: database, photos: photos, notifier: notifier, metrics: metrics, logger: logger)
    let pointLimiter = RateLimiter(config.limits.perPoint, shared: (database, "point"))
    PointController(
        database: database, pages: pages, clock: clock, tokens: tokens, filing: filing,
        trustedProxies: config.trustedProxies, clientLimiter: RateLimiter(config.limits.perClient, shared: (database, "client")),
        pointLimiter: pointLimiter, scans: scans,
        residents: ResidentReports(key: try await database.serverKey(named: ResidentReports.keyName), trustedProxies: config.trustedProxies),
        logger: logger
    ).addRoutes(to: router.group("p"))
    StatusController(database: database, pages: pages, clock: clock).addRoutes(to: router.group("t"))
    let actions = ResponderActions(database: database, clock: clock, notifier: notifier, metrics: metrics)
    let responders = ResponderController(database: database, clock: clock, photos: photos, links: links, actions: actions, logger: logger)
    // The responders' phone pages: the sign-in routes are open, every other one needs the session cookie.
    let cookies = PhoneCookies(key: try await database.serverKey(named: PhoneCookies.keyName), trustedProxies: config.trustedProxies)
    let partTime = PartTimeController(
        database: database, pages: pages, clock: clock, tokens: tokens, filing: filing, pointLimiter: pointLimiter,
        workerLimiter: RateLimiter(.init(burst: 20, refillSeconds: 180), shared: (database, "found")), logger: logger)
    let phone = PhoneController(
        database: database, pages: pages, clock: clock, cookies: cookies, actions: actions, links: links,
        loginLimiter: RateLimiter(.init(burst: 10, refillSeconds: 60), shared: (database, "login")), partTime: partTime, logger: logger)
    phone.addPublicRoutes(to: router.group("r"))
    let signedIn = router.group("r").add(middleware: PhoneSessionMiddleware(database: database, cookies: cookies, clock: clock))
    partTime.addRoutes(to: signedIn)
    phone.addRoutes(to: signedIn)
    Open311Controller(
        database: database, clock: clock, filing: filing, pointLimiter: pointLimiter,
        keyLimiter: RateLimiter(config.limits.perIntegration, shared: (database, "integration")),
        keyRefillSeconds: config.limits.perIntegration.refillSeconds, logger: logger
    ).addRoutes(to: router.group("open311/v2"))
    responders.addPhotoRoute(to: router.group("api/v1"))
    responders.addRoutes(to: router.group("api/v1").add(middleware: BearerAuthMiddleware(database: database)))
    // The API's map is for those who use the API (a responder's token), not for anyone probing the public site.
    router.group("api").add(middleware: BearerAuthMiddleware(database: database)).get("openapi.yaml") { _, _ in openAPI.response() }
    router.get("metrics") { request, context in
        // The counters are for the host's monitoring, not for the public the proxy forwards.
        let client = ClientAddress.of(request, context: context, trusted: config.trustedProxies)
        guard ClientAddress.isLoopback(client) || config.metricsFrom.contains(client) else {
            return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "forbidden\n")))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
    return router
}


