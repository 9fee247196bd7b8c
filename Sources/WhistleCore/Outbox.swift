import Foundation

/// Which clock an outbox row belongs to; a row stops mattering when its clock stops.
public enum OutboxStage: String, Codable, Sendable, CaseIterable {
    /// The promise: until someone takes the report (接单).
    case promise
    /// A department's window: until the department reports in (报到).
    case whistle
    /// Taken but not fixed: until the report is resolved (办结).
    case resolve
    /// The daily list of reports nobody took; about no single report.
    case digest

    /// Whether a pending row of this stage still has something to say about `report`.
    ///
    /// Checked when a row is claimed, so a row the transition did not cancel (an older version's, a race with
    /// a responder's tap) is cancelled instead of sent.
    public func isLive(for report: Report?) -> Bool {
        guard let report else { return self == .digest }
        switch self {
        case .promise: return report.status == .open
        case .whistle: return report.status == .whistled && report.reportedInAt == nil
        case .resolve: return report.status == .acknowledged || report.status == .whistled
        case .digest: return false
        }
    }
}

/// What a message is about; the webhook's `X-Whistle-Event`.
public enum NotifyEvent: String, Codable, Sendable, CaseIterable {
    /// An escalation step of the promise.
    case notify = "report.notify"
    /// A department must report in.
    case whistle = "report.whistle"
    /// The window passed: the promise, or the department's.
    case breach = "report.breach"
    /// Taken but not resolved in time.
    case remind = "report.remind"
    /// The daily list of reports nobody took.
    case digest = "report.digest"
}

/// Delivery order when more is due than can be sent at once: the running promise first, the backlog last.
public enum DeliveryPriority {
    /// The promise's own steps: a new report's first message must never queue behind old news.
    public static let promise = 0
    /// Breaches and departments' windows.
    public static let window = 1
    /// Repeats after a breach, reminders and digests.
    public static let backlog = 2
    public static let all = [promise, window, backlog]

    public static func of(event: NotifyEvent, stage: OutboxStage, repeat isRepeat: Bool) -> Int {
        if isRepeat { return backlog }
        switch (event, stage) {
        case (.notify, .promise): return promise
        case (.breach, _), (.whistle, _), (.notify, _): return window
        case (.remind, _), (.digest, _): return backlog
        }
    }
}

/// The clock a message is about: what it counts down to, and how long that window is.
public struct NotificationWindow: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// 接单 within the promise.
        case promise
        /// 报到: the department's window after a whistle.
        case reportIn = "report_in"
        /// 办结 within `resolve_within` of taking it.
        case resolve
    }

    public var kind: Kind
    public var deadline: Date
    public var seconds: Int64

    public init(kind: Kind, deadline: Date, seconds: Int64) {
        self.kind = kind
        self.deadline = deadline
        self.seconds = seconds
    }

    /// The window a row of `stage` speaks of for `report` under `policy`; nil for a digest.
    public static func of(stage: OutboxStage, report: Report, policy: EscalationPolicy) -> NotificationWindow? {
        switch stage {
        case .promise:
            let deadline = report.promiseDeadline(promiseSeconds: policy.promiseSeconds)
            return NotificationWindow(kind: .promise, deadline: deadline, seconds: policy.promiseSeconds)
        case .whistle:
            let start = report.whistledAt ?? report.createdAt
            return NotificationWindow(kind: .reportIn, deadline: start.addingTimeInterval(TimeInterval(policy.promiseSeconds)), seconds: policy.promiseSeconds)
        case .resolve:
            let start = report.ackAt ?? report.createdAt
            return NotificationWindow(
                kind: .resolve, deadline: start.addingTimeInterval(TimeInterval(policy.resolveWithinSeconds)), seconds: policy.resolveWithinSeconds)
        case .digest:
            return nil
        }
    }
}
