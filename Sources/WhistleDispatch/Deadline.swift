import Synchronization

/// The whole exchange with a channel took longer than its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var seconds: Int64
    public var description: String { "no complete answer within \(seconds) s" }
}

/// Runs `operation` and returns its result, or throws `DeadlineExceeded` after `timeout` of real time, whether or
/// not the operation honours cancellation (it is cancelled, and left to finish on its own). A structured task group
/// would wait for a child that ignores cancellation; this does not.
func withDeadline<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = Once<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            once.set(continuation)
            let work = Task {
                do { once.resume(with: .success(try await operation())) } catch { once.resume(with: .failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled, once.resume(with: .failure(DeadlineExceeded(seconds: timeout.components.seconds))) { work.cancel() }
            }
            once.onFinish { timer.cancel() }
            once.onCancel { work.cancel() }
        }
    } onCancel: {
        once.cancel()
    }
}


/// Resumes a continuation exactly once, from whichever side finishes first.
private final class Once<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var finished = false
        var cancelled = false
        var finishHandlers: [@Sendable () -> Void] = []
        var cancelHandlers: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if state.finished { return state.result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// True when this call was the one that resumed.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        let (continuation, handlers, won) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [@Sendable () -> Void], Bool) in
            guard !state.finished else { return (nil, [], false) }
            state.finished = true
            state.result = result
            let continuation = state.continuation
            state.continuation = nil
            let handlers = state.finishHandlers
            state.finishHandlers = []
            return (continuation, handlers, true)
        }
        continuation?.resume(with: result)
        handlers.forEach { $0() }
        return won
    }

    func onFinish(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.finished { return true }
            state.finishHandlers.append(handler)
            return false
        }
        if now { handler() }
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.cancelHandlers.append(handler)
            return false
        }
        if now { handler() }
    }

    func cancel() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            state.cancelled = true
            let handlers = state.cancelHandlers
            state.cancelHandlers = []
            return handlers
        }
        handlers.forEach { $0() }
        resume(with: .failure(CancellationError()))
    }
}
