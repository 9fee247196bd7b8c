import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// Liveness and readiness, for the reverse proxy and systemd.
struct HealthController {
    let database: AppDatabase
    let clock: any WallClock
    let maxClockSkew: TimeInterval?

    func addRoutes(to router: Router<WhistleRequestContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            guard await database.isReachable() else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "database unavailable\n")))
            }
            // Several nodes keep one schedule: a node whose clock is off would page early or late, so the load balancer
            // takes it out until NTP sets it right (its dispatcher stops claiming meanwhile).
            if let maxClockSkew, let skew = try? await database.clockSkew(now: clock.now()), abs(skew) > maxClockSkew {
                let text = "this node's clock is \(Int(skew.rounded())) s off the database's: check NTP\n"
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
    }
}
