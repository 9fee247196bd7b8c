import Foundation
import WhistleStore

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
    /// The store, when several nodes share it: the window is then the robot's, kept in the database, not this node's.
    private let shared: AppDatabase?

    init(shared: AppDatabase? = nil) {
        self.shared = shared?.isShared == true ? shared : nil
    }

    /// Kept on top of a platform's window: a message reaches the platform a moment after its send was reserved (and
    /// another node's clock may be a little off), and the platform counts by its own clock.
    static let margin: TimeInterval = 1

    /// Reserves up to `wanting` of `robot`'s sends now; returns how many it got and, when that leaves the robot full,
    /// when it next has room. If the shared store cannot answer, this node's own window decides meanwhile.
    func reserve(robot: String, kind: String, wanting: Int, now: Date) async -> (granted: Int, nextRoom: Date?) {
        guard var limit = Self.limits[kind] else { return (wanting, nil) }
        limit.window += Self.margin
        if let shared,
            let result = try? await shared.reserveRobotSends(robot: robot, limit: limit.count, window: limit.window, wanting: wanting, now: now)
        {
            return result
        }
        var recent = (sent[robot] ?? []).filter { now.timeIntervalSince($0) < limit.window }
        let granted = max(0, min(wanting, limit.count - recent.count))
        recent += repeatElement(now, count: granted)
        sent[robot] = recent
        let next = recent.count >= limit.count ? recent.min().map { $0.addingTimeInterval(limit.window) } : nil
        return (granted, next)
    }

    /// Gives back sends reserved at `now` that no message used.
    func release(robot: String, count: Int, now: Date) async {
        guard count > 0 else { return }
        if let shared, (try? await shared.releaseRobotSends(robot: robot, count: count, at: now)) != nil { return }
        var recent = sent[robot] ?? []
        var left = count
        for index in recent.indices.reversed() where left > 0 && recent[index] == now {
            recent.remove(at: index)
            left -= 1
        }
        sent[robot] = recent
    }
}
