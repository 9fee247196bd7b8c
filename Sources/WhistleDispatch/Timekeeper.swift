import Foundation

/// Wall time and sleeping for the dispatcher, from one injected `Clock`.
///
/// Steps are stored as dates, but sleeping goes through the clock, so a test's `TestClock`
/// moves both: a 10-minute timeline runs in microseconds.
public protocol Timekeeper: Sendable {
    func now() -> Date
    /// Sleeps until `date` (returns at once if it has passed); throws `CancellationError` when cancelled.
    func sleep(until date: Date) async throws
}

/// A `Timekeeper` over any `Clock<Duration>`: wall time is `epoch` plus the time the clock has advanced.
public struct ClockTimekeeper<C: Clock>: Timekeeper where C.Duration == Duration {
    let clock: C
    let start: C.Instant
    let epoch: Date

    public init(clock: C, epoch: Date = Date()) {
        self.clock = clock
        self.start = clock.now
        self.epoch = epoch
    }

    public func now() -> Date {
        let elapsed = start.duration(to: clock.now)
        return epoch.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSince(now())
        guard seconds > 0 else {
            try Task.checkCancellation()
            return
        }
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(Int64((seconds * 1000).rounded(.up)))), tolerance: nil)
    }
}

extension ClockTimekeeper where C == ContinuousClock {
    /// Real time.
    public static var system: ClockTimekeeper<ContinuousClock> { ClockTimekeeper(clock: ContinuousClock()) }
}
