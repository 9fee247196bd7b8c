/// Whom a step notifies.
public enum NotifyTarget: Codable, Sendable, Equatable, Hashable {
    case onDuty
    case backup
    case gridLeader
    case secretary
    case responder(String)

    public init(_ text: String) {
        switch text {
        case "on_duty": self = .onDuty
        case "backup": self = .backup
        case "grid_leader": self = .gridLeader
        case "secretary": self = .secretary
        default: self = .responder(text)
        }
    }

    public var text: String {
        switch self {
        case .onDuty: "on_duty"
        case .backup: "backup"
        case .gridLeader: "grid_leader"
        case .secretary: "secretary"
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
    /// After a breach, re-notify this often until someone acknowledges.
    public var afterBreachEverySeconds: Int64
    /// An acknowledged report not resolved within this reminds whoever took it, then the leader.
    public var resolveWithinSeconds: Int64

    public init(promise: Duration, steps: [Step], afterBreachEvery: Duration, resolveWithin: Duration = .seconds(86400)) {
        self.promiseSeconds = promise.wholeSeconds
        self.steps = steps.sorted { $0.afterSeconds < $1.afterSeconds }
        self.afterBreachEverySeconds = afterBreachEvery.wholeSeconds
        self.resolveWithinSeconds = resolveWithin.wholeSeconds
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
