import Hummingbird
import WhistleStore

/// Liveness and readiness, for the reverse proxy and systemd.
struct HealthController {
    let database: AppDatabase

    func addRoutes(to router: Router<WhistleRequestContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            guard await database.isReachable() else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "database unavailable\n")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
    }
}
