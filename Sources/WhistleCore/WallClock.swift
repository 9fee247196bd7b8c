import Foundation

/// The one source of the current time for everything that stamps or judges a moment (the server's requests, the
/// dispatcher's steps, through its `Timekeeper`): injected, so tests step it, and shared by a process's parts so
/// they never disagree about "now".
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
