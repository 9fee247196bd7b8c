import Foundation

/// Sliding-window limits of the chat robots: WeCom and DingTalk take 20 messages a minute per robot,
/// Feishu 5 a second. A robot near its limit gets folded messages that list every report, never a cut one.
actor RobotLimiter {
    struct Limit: Sendable {
        var count: Int
        var window: TimeInterval
        /// The longest text the platform takes, in UTF-8 bytes (WeCom's text message: 2048).
        var textBytes: Int
    }

    static let limits: [String: Limit] = [
        "wecom": Limit(count: 20, window: 60, textBytes: 2048),
        "dingtalk": Limit(count: 20, window: 60, textBytes: 4000),
        "feishu": Limit(count: 5, window: 1, textBytes: 4000),
    ]

    private var sent: [String: [Date]] = [:]

    /// How many more messages `robot` may take now.
    func available(robot: String, kind: String, now: Date) -> Int {
        guard let limit = Self.limits[kind] else { return .max }
        let recent = (sent[robot] ?? []).filter { now.timeIntervalSince($0) < limit.window }
        sent[robot] = recent
        return max(0, limit.count - recent.count)
    }

    /// When the robot next has room, if it has none now.
    func nextRoom(robot: String, kind: String, now: Date) -> Date? {
        guard let limit = Self.limits[kind], let oldest = sent[robot]?.min(), available(robot: robot, kind: kind, now: now) == 0 else {
            return nil
        }
        return oldest.addingTimeInterval(limit.window)
    }

    func record(robot: String, at now: Date) {
        sent[robot, default: []].append(now)
    }
}
