import Foundation

/// Whom a step notifies.
public enum NotifyTarget: Codable, Sendable, Equatable, Hashable {
    case onDuty
    case backup
    case gridLeader
    case secretary
    /// The street office's staff (role `street`), shared by every community.
    case street
    case responder(String)

    public init(_ text: String) {
        switch text {
        case "on_duty": self = .onDuty
        case "backup": self = .backup
        case "grid_leader": self = .gridLeader
        case "secretary": self = .secretary
        case "street": self = .street
        default: self = .responder(text)
        }
    }

    public var text: String {
        switch self {
        case .onDuty: "on_duty"
        case .backup: "backup"
        case .gridLeader: "grid_leader"
        case .secretary: "secretary"
        case .street: "street"
        case .responder(let id): id
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// The 10-minute promise: when each step fires and who it reaches, until someone acknowledges.
public struct EscalationPolicy: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        /// Seconds after the report was committed.
        public var afterSeconds: Int64
        public var notify: [NotifyTarget]

        public init(after: Duration, notify: [NotifyTarget]) {
            self.afterSeconds = after.wholeSeconds
            self.notify = notify
        }

        public var after: Duration { .seconds(afterSeconds) }
    }

    public var promiseSeconds: Int64
    public var steps: [Step]
    /// After a breach, re-notify this often, `afterBreachRepeats` times, unless someone acknowledges.
    public var afterBreachEverySeconds: Int64
    /// How many re-notifications follow a breach. Bounded, as on-call systems bound them (PagerDuty's
    /// `num_loops`, Grafana OnCall's five repeats): after that the report waits in the daily digest.
    public var afterBreachRepeats: Int
    /// An acknowledged report not resolved within this reminds whoever took it, then the leader.
    public var resolveWithinSeconds: Int64
    /// Minute of the local (Asia/Shanghai) day when the digest of untaken reports goes to the secretary.
    public var digestMinute: Int

    public static let defaultRepeats = 3
    public static let defaultDigestMinute = 9 * 60

    public init(
        promise: Duration, steps: [Step], afterBreachEvery: Duration, afterBreachRepeats: Int = EscalationPolicy.defaultRepeats,
        resolveWithin: Duration = .seconds(86400), digestMinute: Int = EscalationPolicy.defaultDigestMinute
    ) {
        self.promiseSeconds = promise.wholeSeconds
        self.steps = steps.sorted { $0.afterSeconds < $1.afterSeconds }
        self.afterBreachEverySeconds = afterBreachEvery.wholeSeconds
        self.afterBreachRepeats = afterBreachRepeats
        self.resolveWithinSeconds = resolveWithin.wholeSeconds
        self.digestMinute = digestMinute
    }

    enum CodingKeys: String, CodingKey {
        case promiseSeconds, steps, afterBreachEverySeconds, afterBreachRepeats, resolveWithinSeconds, digestMinute
    }

    /// Policies stored before a field existed read with its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promiseSeconds = try container.decode(Int64.self, forKey: .promiseSeconds)
        steps = try container.decode([Step].self, forKey: .steps)
        afterBreachEverySeconds = try container.decode(Int64.self, forKey: .afterBreachEverySeconds)
        afterBreachRepeats = try container.decodeIfPresent(Int.self, forKey: .afterBreachRepeats) ?? Self.defaultRepeats
        resolveWithinSeconds = try container.decodeIfPresent(Int64.self, forKey: .resolveWithinSeconds) ?? 86400
        digestMinute = try container.decodeIfPresent(Int.self, forKey: .digestMinute) ?? Self.defaultDigestMinute
    }

    /// The re-notifications to plan when a breach at `deadline` is recorded at `now`: round k falls at
    /// `deadline + k × every`. Rounds more than one interval in the past are skipped: after a long outage
    /// (or for a report found overdue in an old history) one catch-up message, not a burst of stale ones.
    public func repeatRounds(deadline: Date, now: Date) -> [(round: Int, due: Date)] {
        guard afterBreachRepeats > 0 else { return [] }
        let every = TimeInterval(max(60, afterBreachEverySeconds))
        return (1...afterBreachRepeats).compactMap { round in
            let due = deadline.addingTimeInterval(Double(round) * every)
            return due >= now.addingTimeInterval(-every) ? (round, due) : nil
        }
    }

    public var promise: Duration { .seconds(promiseSeconds) }

    /// The policy of the reference community: grid worker, backup, leader, secretary, breach at 10 minutes.
    public static let standard = EscalationPolicy(
        promise: .seconds(600),
        steps: [
            Step(after: .seconds(0), notify: [.onDuty]),
            Step(after: .seconds(180), notify: [.onDuty, .backup]),
            Step(after: .seconds(360), notify: [.gridLeader]),
            Step(after: .seconds(540), notify: [.secretary]),
        ],
        afterBreachEvery: .seconds(300)
    )
}
