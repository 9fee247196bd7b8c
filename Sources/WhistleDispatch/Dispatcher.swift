import Foundation
import Logging
import ServiceLifecycle
import WhistleCore
import WhistleStore

/// Keeps the 10-minute promise: delivers each escalation step at its time, retries failed deliveries,
/// marks breaches, and keeps re-notifying until someone takes the report.
///
/// Every step is a row in the database, so a restart resumes the timeline exactly: a step that fell due
/// while the server was down fires on start, flagged as late.
public final class Dispatcher: Service, Sendable {
    public struct Settings: Sendable {
        /// A delivery still failing this long after its step was due is given up (and recorded).
        public var giveUpAfter: TimeInterval = 600
        /// Per-request deadline.
        public var requestTimeout: Duration = .seconds(10)
        /// A step delivered later than this after its due time is flagged late.
        public var lateAfter: TimeInterval = 30
        /// Longest sleep between passes when nothing is due (a safety net; new reports wake the loop).
        public var idle: TimeInterval = 60
        public init() {}
    }

    let database: AppDatabase
    let time: any Timekeeper
    let transport: any HTTPTransport
    let logger: Logger
    let settings: Settings
    let metrics: WhistleMetrics
    private let signal = WakeSignal()
    private let robots = RobotLimiter()
    private let housekeeping = Housekeeping()

    public init(
        database: AppDatabase, time: any Timekeeper = ClockTimekeeper.system, transport: any HTTPTransport = AsyncHTTPTransport(),
        logger: Logger, settings: Settings = Settings(), metrics: WhistleMetrics = WhistleMetrics()
    ) {
        self.metrics = metrics
        self.database = database
        self.time = time
        self.transport = transport
        self.logger = logger
        self.settings = settings
    }

    /// Wakes the loop at once: a report was committed.
    public func wake() {
        Task { await signal.signal() }
    }

    public func run() async throws {
        logger.info("dispatcher started")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.pass()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("dispatcher pass failed", metadata: ["error": "\(error)"])
                }
                let now = self.time.now()
                let next = (try? await self.database.nextDue()) ?? nil
                let until = min(next ?? .distantFuture, now.addingTimeInterval(self.settings.idle))
                await self.sleep(until: until)
            }
        }
    }

    /// Sleeps until `date` or until woken, whichever is first.
    private func sleep(until date: Date) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await self.time.sleep(until: date)
                await self.signal.signal()
            }
            group.addTask { await self.signal.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// One pass at the current time: breaches and re-notifications planned, every due delivery attempted once.
    public func pass() async throws {
        let now = time.now()
        // Once a day: residents' phones and photos older than a year are removed, as the privacy notice says.
        if await housekeeping.due(at: now) {
            let cleared = try await database.purgePersonalData(createdBefore: now.addingTimeInterval(-AppDatabase.personalDataRetention))
            if cleared > 0 { logger.info("removed phones and photos older than a year", metadata: ["reports": "\(cleared)"]) }
        }
        for breach in try await database.advanceEscalations(at: now) {
            logger.warning("10-minute promise broken", metadata: ["report": "\(breach.number)"])
            metrics.breached()
        }
        let due = try await database.dueDeliveries(at: now)
        metrics.outboxAge(due.map { now.timeIntervalSince($0.entry.dueAt) }.max() ?? 0)
        guard !due.isEmpty, let community = try await database.community() else { return }

        // Group robot messages so that a robot at its limit gets one folded message, not a backlog.
        var batches: [[Delivery]] = []
        var byRobot: [String: [Delivery]] = [:]
        for delivery in due {
            let channel = delivery.responder.channels[safe: delivery.entry.channel]
            if let channel, RobotLimiter.limits[channel.kind] != nil, let url = channel.address {
                byRobot[url, default: []].append(delivery)
            } else {
                batches.append([delivery])
            }
        }
        for (url, deliveries) in byRobot {
            let kind = deliveries[0].entry.channelKind
            let room = await robots.available(robot: url, kind: kind, now: now)
            if room >= deliveries.count {
                batches += deliveries.map { [$0] }
            } else if room >= 1 {
                batches += deliveries.prefix(room - 1).map { [$0] }
                batches.append(Array(deliveries.dropFirst(room - 1)))
            } else {
                // No room: try again as soon as the robot's window frees, well within the next step.
                let retry = await robots.nextRoom(robot: url, kind: kind, now: now) ?? now.addingTimeInterval(1)
                for delivery in deliveries {
                    try await database.postpone(outboxID: delivery.entry.id!, until: retry, reason: "\(kind) robot at its rate limit")
                }
            }
        }

        // Concurrently: a dead channel never holds up another responder's delivery.
        await withTaskGroup(of: Void.self) { group in
            for batch in batches {
                group.addTask { await self.deliver(batch, community: community, now: now) }
            }
        }
    }

    /// Delivers one message (or one folded message for several rows of the same robot) and records the outcome.
    private func deliver(_ batch: [Delivery], community: CommunityInfo, now: Date) async {
        let first = batch[0]
        guard let channel = first.responder.channels[safe: first.entry.channel] else {
            for delivery in batch { try? await database.markFailed(outboxID: delivery.entry.id!, error: "channel no longer configured", retryAt: nil, at: now) }
            return
        }
        let notifications = batch.map { notification(for: $0, community: community) }
        var message = notifications[0]
        if notifications.count > 1 {
            message.description = "另有 \(notifications.count - 1) 条待办：" + notifications.dropFirst().map { "\($0.reportNumber) \($0.pointName) \($0.categoryLabel)" }.joined(separator: "；")
        }
        let outcome: ChannelOutcome
        do {
            if let request = try Channels.request(for: channel, message, idempotencyKey: first.entry.idemKey, now: now) {
                let answer = try await transport.send(request, timeout: settings.requestTimeout)
                outcome = Channels.outcome(for: channel, status: answer.status, headers: answer.headers, body: answer.body, now: time.now())
            } else {
                // The log channel: the number, point and category, never the resident's phone.
                logger.notice(
                    "\(first.entry.event) step \(first.entry.step) → \(first.responder.id)",
                    metadata: ["report": "\(message.reportNumber)", "point": "\(message.pointName)", "category": "\(message.categoryLabel)"])
                outcome = .delivered
            }
        } catch {
            outcome = .retry(after: nil, reason: "\(channel.kind): \(error)")
        }
        if let url = channel.address, RobotLimiter.limits[channel.kind] != nil { await robots.record(robot: url, at: now) }
        let finished = time.now()
        for delivery in batch {
            await record(outcome, for: delivery, at: finished)
        }
    }

    private func record(_ outcome: ChannelOutcome, for delivery: Delivery, at now: Date) async {
        let entry = delivery.entry
        guard let id = entry.id else { return }
        switch outcome {
        case .delivered: metrics.delivery(channel: entry.channelKind, outcome: "delivered")
        case .retry: metrics.delivery(channel: entry.channelKind, outcome: "retry")
        case .fail: metrics.delivery(channel: entry.channelKind, outcome: "failed")
        }
        do {
            switch outcome {
            case .delivered:
                let late = now.timeIntervalSince(entry.dueAt) > settings.lateAfter
                if late {
                    logger.warning("step delivered late", metadata: ["report": "\(delivery.report.number)", "step": "\(entry.step)", "late_s": "\(Int(now.timeIntervalSince(entry.dueAt)))"])
                }
                try await database.markDelivered(outboxID: id, at: now, late: late)
            case .retry(let after, let reason):
                if now.timeIntervalSince(entry.dueAt) >= settings.giveUpAfter {
                    logger.error("delivery given up", metadata: ["report": "\(delivery.report.number)", "responder": "\(entry.responderID)", "error": "\(reason)"])
                    try await database.markFailed(outboxID: id, error: reason, retryAt: nil, at: now)
                } else {
                    try await database.markFailed(outboxID: id, error: reason, retryAt: now.addingTimeInterval(Self.backoff(attempt: entry.attempts, retryAfter: after)), at: now)
                }
            case .fail(let reason):
                logger.error("delivery failed", metadata: ["report": "\(delivery.report.number)", "responder": "\(entry.responderID)", "error": "\(reason)"])
                try await database.markFailed(outboxID: id, error: reason, retryAt: nil, at: now)
            }
        } catch {
            logger.error("cannot record delivery outcome", metadata: ["error": "\(error)"])
        }
    }

    /// Exponential backoff with jitter (1 s, 2 s, 4 s … capped at 60 s), never sooner than the server's Retry-After.
    static func backoff(attempt: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let base = min(60, pow(2, Double(min(attempt, 6))))
        let jittered = base * Double.random(in: 0.8...1.2)
        return max(jittered, retryAfter ?? 0)
    }

    private func notification(for delivery: Delivery, community: CommunityInfo) -> Notification {
        let report = delivery.report
        return Notification(
            event: delivery.entry.event, step: delivery.entry.step, responderID: delivery.responder.id, responderPhone: delivery.responder.phone,
            reportNumber: report.number, status: report.status, pointID: delivery.point.id, pointName: delivery.point.name,
            pointKind: delivery.point.kind, category: report.category,
            categoryLabel: community.categories.first { $0.id == report.category }?.label ?? report.category,
            description: report.description, createdAt: report.createdAt,
            deadlineAt: report.createdAt.addingTimeInterval(TimeInterval(delivery.promiseSeconds)),
            link: community.baseURL + "/api/v1/reports/" + report.number)
    }
}

/// Remembers when the daily housekeeping last ran.
actor Housekeeping {
    private var last: Date?

    func due(at now: Date) -> Bool {
        if let last, now.timeIntervalSince(last) < 86400 { return false }
        last = now
        return true
    }
}

extension Channel {
    /// The robot's address, which identifies it for rate limits.
    var address: String? {
        switch self {
        case .webhook(let url, _), .wecom(let url), .dingtalk(let url, _), .feishu(let url, _): url
        case .log: nil
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
