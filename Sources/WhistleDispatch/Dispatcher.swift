import Foundation
import Logging
import ServiceLifecycle
import WhistleCore
import WhistleStore

/// Delivers due outbox rows, so that each escalation step reaches its responders at its time.
///
/// Steps are rows in the database, so a restart picks up exactly where the last process stopped.
public struct Dispatcher: Service {
    let database: AppDatabase
    let logger: Logger
    let pollInterval: Duration

    public init(database: AppDatabase, logger: Logger, pollInterval: Duration = .seconds(1)) {
        self.database = database
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        // A graceful shutdown cancels the loop between passes; a pass in flight finishes its row first.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await deliverDue(at: Date())
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("dispatcher pass failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: pollInterval)
            }
        }
    }

    /// One pass: every due row is attempted once.
    public func deliverDue(at now: Date) async throws {
        for delivery in try await database.dueDeliveries(at: now) {
            guard let id = delivery.entry.id else { continue }
            let channels = delivery.responder.channels
            guard delivery.entry.channel < channels.count else {
                try await database.markFailed(outboxID: id, error: "channel no longer configured", retryAt: nil, at: now)
                continue
            }
            switch channels[delivery.entry.channel] {
            case .log:
                // The report's number, point and category only: never the resident's phone.
                logger.notice(
                    "\(delivery.entry.event) step \(delivery.entry.step) → \(delivery.responder.id)",
                    metadata: [
                        "report": "\(delivery.report.number)", "point": "\(delivery.point.name)", "category": "\(delivery.report.category)",
                    ])
                try await database.markDelivered(outboxID: id, at: now)
            case let other:
                try await database.markFailed(
                    outboxID: id, error: "\(other.kind) delivery is not available in this build", retryAt: nil, at: now)
            }
        }
    }
}
