// Nodes wake each other (docs/plans/15-postgres.md §5.9). A transaction that plans a step notifies `whistle_due` as it
// commits (`SQLTransaction.wakeDispatchers`); every node's dispatcher listens, so a report filed on node B, or a step
// it planned, is looked at by node A at once instead of at A's next poll. A notification sent while a node's listening
// connection is down is lost: the dispatcher's poll (`sharedPoll`) is the fallback, and a listener that (re)connects
// wakes its dispatcher once to catch up.

extension AppDatabase {
    /// PostgreSQL: calls `onWake` once listening, then whenever any node commits a planned step; returns when the task
    /// is cancelled, throws when the listening connection fails (the caller waits and listens again). SQLite: returns
    /// at once, since one process wakes its own dispatcher in memory.
    public func listenForDueSteps(_ onWake: @escaping @Sendable () -> Void) async throws {
        guard let postgres else { return }
        try await postgres.listenForDueSteps(onWake)
    }
}
