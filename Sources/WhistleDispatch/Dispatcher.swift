import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WhistleCore
import WhistleStore

/// Keeps the promise: delivers each escalation step at its time, retries failed deliveries, marks breaches, repeats a
/// bounded number of times after a breach, and sends the daily digest of what nobody took.
///
/// Every step is a row in the database, claimed before it is sent (with a lease that runs out if this process dies),
/// so a restart or a second process resumes the timeline exactly: delivery is at least once per step, under one
/// idempotency key. The loop never waits on a channel: each delivery runs on its own with a deadline for the whole
/// exchange, and the loop goes on claiming what falls due.
public final class Dispatcher: Service, Sendable {
    public struct Settings: Sendable {
        /// A delivery still failing this long after its step was due is given up (and recorded).
        public var giveUpAfter: TimeInterval = 600
        /// Deadline for a whole exchange with a channel: connect, send, and read the answer to its last byte.
        public var requestTimeout: Duration = .seconds(10)
        /// A step delivered later than this after its due time is flagged late.
        public var lateAfter: TimeInterval = 30
        /// Longest sleep between passes when nothing is due (a safety net; new reports wake the loop).
        public var idle: TimeInterval = 60
        /// On a store shared by several nodes (PostgreSQL), the longest sleep at all: a report taken in by another node,
        /// or the steps of a node that died, are seen within this even if no wake-up reaches this node.
        public var sharedPoll: TimeInterval = 1
        /// On a shared store, claims stop while this node's wall clock is further than this from the database's: its
        /// idea of "due" would differ from the other nodes'. Checked every `skewCheck` seconds; nil to not check.
        public var maxClockSkew: TimeInterval? = 2
        public var skewCheck: TimeInterval = 30
        /// Longest single sleep: how soon a step of the wall clock is noticed.
        public var tick: Duration = .seconds(1)
        /// Rows claimed at once, and deliveries in flight at most.
        public var batch = 100
        public var maxInFlight = 200
        /// How much longer than the exchange's deadline a claim holds its row (room to record the outcome).
        public var leaseMargin: TimeInterval = 20
        public init() {}

        /// How long a claim holds a row, in wall time: if this process dies, another sends the row after this.
        var lease: TimeInterval { requestTimeout.seconds + leaseMargin }
    }

    let database: AppDatabase
    let time: any Timekeeper
    let transport: any HTTPTransport
    let logger: Logger
    let settings: Settings
    let metrics: WhistleMetrics
    /// This process's claims carry this id; another dispatcher on the same database has its own.
    let claimer = "d-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    private let signal = WakeSignal()
    private let robots: RobotLimiter
    private let state = Mutex(LoopState())

    struct LoopState {
        var inFlight = 0
        var stopping = false
        var nextJobCheck: Date?
        /// When the clock is next compared with the database's, and whether it was off at the last look.
        var nextSkewCheck: Date?
        var clockOff = false
        var watch = ClockWatch()
        /// The newest outbox row and report at the last claim: rows written before a clock step is noticed.
        var marks: (outbox: Int64, report: Int64)?
        /// True while the loop waits for its next tick (tests move a test clock only then).
        var parked = false
        /// True while other nodes' commits reach this loop (LISTEN on a shared store).
        var listening = false
    }

    /// Whether other nodes' new reports and steps wake this loop as they commit (a shared store whose listening
    /// connection is up); otherwise it finds them at its next poll.
    public var hearsOtherNodes: Bool { state.withLock { $0.listening } }

    /// Whether the loop is waiting for time to pass or a wake-up. A test driving a test clock advances it only then,
    /// as a real clock would never jump past a loop that is busy.
    package var isParked: Bool { state.withLock { $0.parked } }

    public init(
        database: AppDatabase, time: any Timekeeper = SystemTimekeeper(), transport: any HTTPTransport = AsyncHTTPTransport(),
        logger: Logger, settings: Settings = Settings(), metrics: WhistleMetrics = WhistleMetrics()
    ) {
        self.metrics = metrics
        self.database = database
        self.robots = RobotLimiter(shared: database)
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
        logger.info("dispatcher started", metadata: ["claimer": "\(claimer)"])
        let listener = Task { await self.listenToOtherNodes() }
        defer { listener.cancel() }
        await withGracefulShutdownHandler {
            // Deliveries run in this group: on a graceful stop the loop ends and the group waits for them (each is
            // bounded by its deadline); what is left claimed falls due again when its lease runs out.
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled, !self.state.withLock({ $0.stopping }) {
                    // One reading of both clocks per iteration: the step check and the sleep both measure from it, so
                    // a step at any moment after it is seen within a tick.
                    let now = self.time.now()
                    let reading = (wall: now, uptime: self.time.uptime())
                    await self.noticeClockStep(reading)
                    do {
                        try await self.prepare(at: now)
                        let room = self.state.withLock { self.settings.maxInFlight - $0.inFlight }
                        if room > 0, await !self.clockIsOff(at: now) {
                            // The claim's own time: jobs and breaches may have taken a while, and the lease counts from here.
                            // If the wall clock was stepped since this iteration's reading, go round and move the schedule first.
                            let claimed = self.time.now()
                            let drift = claimed.timeIntervalSince(now) - (self.time.uptime() - reading.uptime).seconds
                            if abs(drift) > ClockWatch.threshold { continue }
                            let claim = try await self.database.claimDue(
                                at: claimed, limit: min(room, self.settings.batch), lease: self.settings.lease, claimer: self.claimer)
                            self.state.withLock { $0.marks = (claim.outboxMark, claim.reportMark) }
                            for message in await self.messages(for: claim, now: claimed) {
                                self.state.withLock { $0.inFlight += message.rows.count }
                                group.addTask {
                                    let delivered = await self.deliver(message, now: claimed)
                                    let wasFull = self.state.withLock { state in
                                        defer { state.inFlight -= message.rows.count }
                                        return state.inFlight >= self.settings.maxInFlight
                                    }
                                    // A retry falls due sooner than the lease the loop last saw; a full loop has room again.
                                    if !delivered || wasFull { self.wake() }
                                }
                            }
                        }
                    } catch is CancellationError {
                        return
                    } catch {
                        // A busy or failing database: try again shortly rather than at the next idle tick.
                        self.logger.error("dispatcher pass failed", metadata: ["error": "\(error)"])
                        await self.sleep(until: now.addingTimeInterval(1), since: reading)
                        continue
                    }
                    // With every slot in flight, due rows cannot be claimed: wait for a delivery to free one (it wakes the
                    // loop), not for rows that are already due, which would spin.
                    let full = self.state.withLock { $0.inFlight >= self.settings.maxInFlight }
                    await self.sleep(until: await self.nextWake(after: now, rows: !full), since: reading)
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.wake()
        }
        logger.info("dispatcher stopped")
    }

    /// On a shared store, another node's new report or planned step wakes this loop (LISTEN/NOTIFY), so it sleeps
    /// until that step instead of finding it at its next poll. A lost connection is retried every second; meanwhile
    /// the poll (`sharedPoll`) is the fallback.
    private func listenToOtherNodes() async {
        guard database.isShared else { return }
        var failing = false
        while !Task.isCancelled {
            do {
                try await database.listenForDueSteps {
                    self.state.withLock { $0.listening = true }
                    self.wake()
                }
                failing = false
            } catch {
                if Task.isCancelled { return }
                if !failing { logger.warning("not hearing other nodes; polling until listening again", metadata: ["error": "\(error)"]) }
                failing = true
            }
            state.withLock { $0.listening = false }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One pass at the current time, waiting for its deliveries (each bounded by its deadline): jobs, breaches, and
    /// every due row claimed and attempted once. Tests and benchmarks drive the dispatcher with it.
    public func pass() async throws {
        let now = time.now()
        try await prepare(at: now)
        let claim = try await database.claimDue(at: now, limit: settings.batch, lease: settings.lease, claimer: claimer)
        let messages = await messages(for: claim, now: now)
        await withDiscardingTaskGroup { group in
            for message in messages { group.addTask { _ = await self.deliver(message, now: now) } }
        }
    }

    /// Whether this node's clock is too far from the shared database's to claim (checked every `skewCheck` seconds).
    private func clockIsOff(at now: Date) async -> Bool {
        guard let limit = settings.maxClockSkew, database.isShared else { return false }
        if let next = state.withLock({ $0.nextSkewCheck }), next > now, abs(next.timeIntervalSince(now)) <= settings.skewCheck {
            return state.withLock { $0.clockOff }
        }
        guard let skew = try? await database.clockSkew(now: now) else { return state.withLock { $0.clockOff } }
        let off = abs(skew) > limit
        let was = state.withLock { state in
            defer {
                state.clockOff = off
                state.nextSkewCheck = now.addingTimeInterval(settings.skewCheck)
            }
            return state.clockOff
        }
        if off && !was {
            logger.error("not claiming: this node's clock is off the database's", metadata: ["skew_s": "\(Int(skew.rounded()))"])
        } else if !off && was {
            logger.notice("claiming again: the clock agrees with the database's")
        }
        return off
    }

    /// Once-per-deployment jobs when due, then breaches.
    private func prepare(at now: Date) async throws {
        try await runJobs(at: now)
        for breach in try await database.recordBreaches(at: now) {
            logger.warning("promise broken", metadata: ["report": "\(breach.number)"])
            metrics.breached()
        }
    }

    /// When the loop should look again: the next row or promise due, a job check, or the idle tick.
    private func nextWake(after now: Date, rows: Bool) async -> Date {
        let row = rows ? ((try? await database.nextDue()) ?? nil) : nil
        let breach = (try? await database.nextBreachDue()) ?? nil
        let job = state.withLock { $0.nextJobCheck }
        let idle = database.isShared ? min(settings.idle, settings.sharedPoll) : settings.idle
        return [row, breach, job, now.addingTimeInterval(idle)].compactMap { $0 }.min() ?? now.addingTimeInterval(idle)
    }

    // MARK: Time

    /// Sleeps until the wall clock reaches `date`, in slices of at most `tick` on the monotonic clock, returning early
    /// when woken or when the wall clock has been stepped since `start` (so the loop moves the schedule at once).
    private func sleep(until date: Date, since start: (wall: Date, uptime: Duration)) async {
        while !Task.isCancelled {
            let left = date.timeIntervalSince(time.now())
            if left <= 0 { return }
            let slice = min(left, settings.tick.seconds)
            if await sleepOrWake(for: .milliseconds(Int64((slice * 1000).rounded(.up)))) { return }
            let drift = time.now().timeIntervalSince(start.wall) - (time.uptime() - start.uptime).seconds
            if abs(drift) > ClockWatch.threshold { return }
        }
    }

    /// True when woken by a signal, false when the time ran out.
    private func sleepOrWake(for duration: Duration) async -> Bool {
        state.withLock { $0.parked = true }
        defer { state.withLock { $0.parked = false } }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await self.time.sleep(for: duration)
                return false
            }
            group.addTask {
                await self.signal.wait()
                return true
            }
            let woken = await group.next() ?? false
            group.cancelAll()
            // The waiter cannot be cancelled: release it (at worst the next wait returns at once, one extra pass).
            if !woken { await signal.signal() }
            await group.waitForAll()
            return woken
        }
    }

    /// Moves the pending schedule with a step of the wall clock, so every step keeps its real-time distance: a step
    /// forward does not fire ten minutes of steps (and a false breach) at once, a step back does not hold them an hour.
    private func noticeClockStep(_ reading: ClockWatch.Reading) async {
        guard let (step, since) = state.withLock({ $0.watch.check(reading) }) else { return }
        logger.warning("the wall clock was stepped; moving the schedule with it", metadata: ["seconds": "\(Int(step.rounded()))"])
        // Rows written before the last claim are in the old frame; of the few written since, a report stamped within
        // the old frame's span (the last reading to now, as the old clock would say) was made before the step.
        let marks = state.withLock { $0.marks } ?? (.max, .max)
        let oldFrame = since.wall...since.wall.addingTimeInterval((reading.uptime - since.uptime).seconds)
        do {
            try await database.shiftSchedule(by: step, detectedAt: reading.wall, upTo: marks, orCreatedIn: oldFrame)
            state.withLock {
                $0.watch.accept(reading)
                $0.nextJobCheck = nil
            }
        } catch {
            // The step stays pending and is applied on the next pass.
            logger.error("cannot move the schedule after a clock step; will retry", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Jobs

    /// The daily jobs, under a lease in the database so one process runs each, each marked done only when it succeeded.
    private func runJobs(at now: Date) async throws {
        let check = state.withLock { $0.nextJobCheck }
        if let check, check > now { return }
        state.withLock { $0.nextJobCheck = now.addingTimeInterval(60) }
        // Residents' phones and photos older than a year are removed, as the privacy notice says.
        try await job("purge", at: now, isDue: { last in last.map { now.timeIntervalSince($0) >= 86400 || $0 > now } ?? true }) {
            let cleared = try await self.database.purgePersonalData(createdBefore: now.addingTimeInterval(-AppDatabase.personalDataRetention), at: now)
            if cleared > 0 { self.logger.info("removed phones and photos older than a year", metadata: ["reports": "\(cleared)"]) }
            // Phone sign-ins that ended a month ago are of no more use to the office's questions.
            try await self.database.purgeSignIns(before: now.addingTimeInterval(-AppDatabase.signInRetention))
            // Idle rate buckets of the shared store (PostgreSQL): a bucket idle a day is full again anyway.
            try await self.database.purgeRateBuckets(before: now.addingTimeInterval(-86400))
        }
        // A photo written for a report that never committed (the process died in between) is removed within the hour.
        try await job("photos", at: now, isDue: { last in last.map { now.timeIntervalSince($0) >= 3600 || $0 > now } ?? true }) {
            let (kept, removed) = try await self.database.sweepIncomingPhotos()
            if kept + removed > 0 {
                self.logger.info("photos left by an interrupted report settled", metadata: ["kept": "\(kept)", "removed": "\(removed)"])
            }
        }
        // Once a day at each community's policy time: what nobody took, to its secretary, instead of repeats for weeks.
        // One job per community (each has its own time); the digest's idempotency keys make a second run plan nothing.
        let today = ShanghaiTime.dayStamp(now)
        let (_, nowMinute) = ShanghaiTime.weekdayAndMinute(now)
        for community in try await database.communities() where nowMinute >= community.policy.digestMinute {
            try await job("digest/\(community.id)", at: now, isDue: { last in last.map { ShanghaiTime.dayStamp($0) != today } ?? true }) {
                let planned = try await self.database.planDigest(community: community.id, at: now)
                if planned > 0 {
                    self.logger.info(
                        "daily digest of untaken reports planned", metadata: ["messages": "\(planned)", "community": "\(community.id)"])
                }
            }
        }
    }

    private func job(
        _ name: String, at now: Date, isDue: @escaping @Sendable (Date?) -> Bool, _ work: @Sendable () async throws -> Void
    ) async throws {
        guard try await database.beginJob(name, holder: claimer, at: now, lease: 600, isDue: isDue) else { return }
        do {
            try await work()
            try await database.finishJob(name, holder: claimer, at: now)
        } catch {
            try? await database.releaseJob(name, holder: claimer)
            throw error
        }
    }

    // MARK: Messages

    /// One message to send: one row, or several rows of one robot folded together.
    struct Message: Sendable {
        var rows: [Delivery]
        var notifications: [Notification]
    }

    /// Turns claimed rows into messages. Robots near their rate limit get folded messages naming every row; rows no
    /// message can carry now are handed back for the robot's next window.
    private func messages(for claim: Claim, now: Date) async -> [Message] {
        let due = claim.deliveries
        metrics.outboxAge(due.map { now.timeIntervalSince($0.entry.dueAt) }.max() ?? 0)
        var messages: [Message] = []
        var byRobot: [String: [Delivery]] = [:]
        var robotOrder: [String] = []
        for delivery in due {
            // A digest is a list already: it always travels alone, and waits if its robot has no room.
            if delivery.entry.stage == .digest, RobotLimiter.limits[delivery.channel.kind] != nil, let url = delivery.channel.address {
                let kind = delivery.channel.kind
                let reserved = await robots.reserve(robot: url, kind: kind, wanting: 1, now: time.now())
                if reserved.granted > 0 {
                    messages.append(Message(rows: [delivery], notifications: [notification(for: delivery)]))
                } else if let id = delivery.entry.id {
                    let retry = reserved.nextRoom ?? now.addingTimeInterval(60)
                    try? await database.postpone(outboxID: id, claimer: claimer, until: retry, reason: "\(kind) robot at its rate limit")
                }
                continue
            }
            if let limit = RobotLimiter.limits[delivery.channel.kind], limit.count > 0, let url = delivery.channel.address {
                if byRobot[url] == nil { robotOrder.append(url) }
                byRobot[url, default: []].append(delivery)
            } else {
                messages.append(Message(rows: [delivery], notifications: [notification(for: delivery)]))
            }
        }
        for url in robotOrder {
            let rows = byRobot[url] ?? []
            let kind = rows[0].channel.kind
            guard let limit = RobotLimiter.limits[kind] else { continue }
            let notifications = rows.map { notification(for: $0) }
            // Room is reserved first (on PostgreSQL, against every node's sends), then what the plan did not use goes back.
            // Reserved at the moment of sending, not of the claim: the platform counts when messages arrive.
            let reservedAt = time.now()
            let reserved = await robots.reserve(robot: url, kind: kind, wanting: rows.count, now: reservedAt)
            let plan = Folding.plan(
                lineBytes: notifications.map { $0.line(now: now).utf8.count }, headerBytes: Self.foldHeader(count: rows.count).utf8.count + 200,
                room: reserved.granted, limit: limit.textBytes)
            for indices in plan.messages {
                messages.append(Message(rows: indices.map { rows[$0] }, notifications: indices.map { notifications[$0] }))
            }
            await robots.release(robot: url, count: reserved.granted - plan.messages.count, now: reservedAt)
            if !plan.waiting.isEmpty {
                let retry = reserved.nextRoom ?? now.addingTimeInterval(limit.window)
                for index in plan.waiting {
                    guard let id = rows[index].entry.id else { continue }
                    try? await database.postpone(outboxID: id, claimer: claimer, until: retry, reason: "\(kind) robot at its rate limit")
                }
            }
        }
        return messages
    }

    static func foldHeader(count: Int) -> String { "【待处理汇总】共 \(count) 件，逐条如下：" }

    /// Delivers one message and records the outcome of each row it carries; true when it was delivered.
    private func deliver(_ message: Message, now: Date) async -> Bool {
        let first = message.rows[0]
        let channel = first.channel
        let text: String
        if message.notifications.count == 1 {
            text = message.notifications[0].text(now: now)
        } else {
            let inbox = message.notifications[0].inbox
            text = ([Self.foldHeader(count: message.notifications.count)] + message.notifications.map { $0.line(now: now) }
                + ["详情与接单：" + (inbox.isEmpty ? "whistle inbox" : inbox)]).joined(separator: "\n")
        }
        var mentions: [String] = []
        for phone in message.rows.compactMap(\.responder.phone) where !mentions.contains(phone) { mentions.append(phone) }
        let outcome: ChannelOutcome
        do {
            if let request = try Channels.request(
                for: channel, message.notifications[0], text: text, mentions: mentions, idempotencyKey: first.entry.idemKey, now: now,
                single: message.notifications.count == 1)
            {
                let transport = self.transport
                let timeout = settings.requestTimeout
                let answer = try await withDeadline(timeout) { try await transport.send(request, timeout: timeout) }
                outcome = Channels.outcome(for: channel, status: answer.status, headers: answer.headers, body: answer.body, now: time.now())
            } else {
                // The log channel: the number, point, category and the page to take it on (the demo's only "phone"),
                // never the resident's phone.
                let note = message.notifications[0]
                logger.notice(
                    "\(note.event.rawValue) step \(first.entry.step) → \(first.responder.id)",
                    metadata: [
                        "report": "\(note.reportNumber)", "point": "\(note.pointName)", "category": "\(note.categoryLabel)",
                        "page": "\(note.pageOrLink)",
                    ])
                outcome = .delivered
            }
        } catch is CancellationError {
            // Stopping: the rows stay claimed and fall due again when their lease runs out (at least once, same key).
            return false
        } catch {
            outcome = .retry(after: nil, reason: "\(channel.kind): \(error)")
        }
        let finished = time.now()
        for delivery in message.rows {
            await record(outcome, for: delivery, at: finished)
        }
        return outcome == .delivered
    }

    private func record(_ outcome: ChannelOutcome, for delivery: Delivery, at now: Date) async {
        let entry = delivery.entry
        guard let id = entry.id else { return }
        let number = delivery.report?.number ?? "digest"
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
                    logger.warning("step delivered late", metadata: ["report": "\(number)", "step": "\(entry.step)", "late_s": "\(Int(now.timeIntervalSince(entry.dueAt)))"])
                }
                try await database.markDelivered(outboxID: id, at: now, late: late)
            case .retry(let after, let reason):
                if now.timeIntervalSince(entry.dueAt) >= settings.giveUpAfter {
                    logger.error("delivery given up", metadata: ["report": "\(number)", "responder": "\(entry.responderID)", "error": "\(reason)"])
                    try await database.markFailed(outboxID: id, claimer: claimer, error: reason, retryAt: nil, at: now)
                } else {
                    try await database.markFailed(
                        outboxID: id, claimer: claimer, error: reason, retryAt: now.addingTimeInterval(Self.backoff(attempt: entry.attempts, retryAfter: after)),
                        at: now)
                }
            case .fail(let reason):
                logger.error("delivery failed", metadata: ["report": "\(number)", "responder": "\(entry.responderID)", "error": "\(reason)"])
                try await database.markFailed(outboxID: id, claimer: claimer, error: reason, retryAt: nil, at: now)
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

    private func notification(for delivery: Delivery) -> Notification {
        let community = delivery.community
        let base = community.baseURL
        guard let report = delivery.report, let point = delivery.point else {
            var untaken = delivery.untaken
            if var list = untaken {
                for index in list.oldest.indices {
                    let id = list.oldest[index].category
                    list.oldest[index].category = community.categories.first { $0.id == id }?.label ?? id
                }
                untaken = list
            }
            var note = Notification(
                event: delivery.entry.event, step: delivery.entry.step, responderID: delivery.responder.id, responderPhone: delivery.responder.phone,
                community: community.name, reportNumber: "", status: .open, pointID: "", pointName: "", pointKind: .station, category: "",
                categoryLabel: "", description: "", createdAt: delivery.entry.dueAt, window: nil, untaken: untaken,
                link: base + "/api/v1/reports?status=open")
            note.page = base + "/r"
            note.inbox = base + "/r"
            note.textBytes = RobotLimiter.limits[delivery.channel.kind]?.textBytes
            note.communityID = community.id
            return note
        }
        var note = Notification(
            event: delivery.entry.event, step: delivery.entry.step, responderID: delivery.responder.id, responderPhone: delivery.responder.phone,
            // A typed place names the spot in the finder's words: "第一网格 · 3号楼东侧".
            community: community.name, reportNumber: report.number, status: report.status, pointID: point.id,
            pointName: report.placeName(pointName: point.name),
            pointKind: point.kind, category: report.category,
            categoryLabel: community.categories.first { $0.id == report.category }?.label ?? report.category,
            description: report.description, createdAt: report.createdAt,
            window: NotificationWindow.of(stage: delivery.entry.stage, report: report, policy: delivery.policy),
            link: base + "/api/v1/reports/" + report.number)
        // Messages open the phone page: a responder signed in on that phone takes the report in one tap.
        note.page = base + "/r/" + report.number
        note.inbox = base + "/r"
        note.communityID = community.id
        // Departments and street staff answer for several communities: their messages say which one.
        note.namesCommunity = delivery.responder.communityID == nil
        if let finder = delivery.finder {
            note.finderID = finder.id
            note.finderName = finder.name
            note.finderEmployer = finder.employer
        }
        return note
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
