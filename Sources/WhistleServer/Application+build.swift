import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WhistleStore

/// Builds the whole HTTP application; `whistle serve`, `whistle demo` and the tests all call this.
public func buildApplication(
    config: ServerConfig,
    database: AppDatabase,
    clock: any WallClock = SystemWallClock(),
    services: [any Service] = [],
    logger: Logger = Logger(label: "whistle.server")
) async throws -> some ApplicationProtocol {
    let pages = try await Pages.load()
    let router = Router()
    router.add(middleware: SecurityHeadersMiddleware())
    HealthController(database: database).addRoutes(to: router)
    PointController(database: database, pages: pages, clock: clock).addRoutes(to: router.group("p"))
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "whistle"),
        services: services,
        logger: logger
    )
}

/// The current time for request handling; tests pass a fixed or stepped one.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
