import Foundation
import WhistleCore
import Synchronization

/// The dispatcher's two clocks, injected: the wall clock (reports are stamped with it, steps are stored in it) and
/// a monotonic clock to sleep on and to notice when the wall clock is stepped.
public protocol Timekeeper: WallClock {
    /// Wall time; NTP or an operator may step it.
    func now() -> Date
    /// Monotonic time since an arbitrary start; never steps.
    func uptime() -> Duration
    /// Sleeps on the monotonic clock; throws `CancellationError` when cancelled.
    func sleep(for duration: Duration) async throws
}

/// Real time: `Date()` for the wall, `ContinuousClock` for sleeping and uptime.
public struct SystemTimekeeper: Timekeeper {
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant

    public init() { start = clock.now }

    public func now() -> Date { Date() }
    public func uptime() -> Duration { start.duration(to: clock.now) }
    public func sleep(for duration: Duration) async throws { try await clock.sleep(for: duration) }
}

/// A `Timekeeper` over any `Clock<Duration>` (a test's `TestClock`): the wall is `epoch` plus the time the clock has
/// advanced, plus any step made with `step(by:)`, which moves the wall as NTP would without moving the clock.
public struct ClockTimekeeper<C: Clock>: Timekeeper where C.Duration == Duration {
    let clock: C
    let start: C.Instant
    let epoch: Date
    private let offset = Steps()

    public init(clock: C, epoch: Date = Date()) {
        self.clock = clock
        self.start = clock.now
        self.epoch = epoch
    }

    public func now() -> Date {
        epoch.addingTimeInterval(uptime().seconds + offset.total)
    }

    public func uptime() -> Duration { start.duration(to: clock.now) }

    public func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    /// Steps the wall clock by `seconds` (negative: back), as an NTP correction or an operator would.
    public func step(by seconds: TimeInterval) {
        offset.add(seconds)
    }

    private final class Steps: Sendable {
        private let value = Mutex<TimeInterval>(0)
        var total: TimeInterval { value.withLock { $0 } }
        func add(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Notices wall-clock steps: between two readings the wall should move as far as the monotonic clock did.
struct ClockWatch {
    typealias Reading = (wall: Date, uptime: Duration)
    /// Smaller differences are scheduling noise, not a step.
    static let threshold: TimeInterval = 2
    private(set) var last: Reading?

    /// The step since the last accepted reading, with that reading; nil when there is none (and the reading is
    /// accepted). A step stays pending, measured from the same reading, until `accept` says it was applied.
    mutating func check(_ reading: Reading) -> (step: TimeInterval, since: Reading)? {
        guard let last else {
            self.last = reading
            return nil
        }
        let step = reading.wall.timeIntervalSince(last.wall) - (reading.uptime - last.uptime).seconds
        guard abs(step) > Self.threshold else {
            self.last = reading
            return nil
        }
        return (step, last)
    }

    mutating func accept(_ reading: Reading) { last = reading }
}
