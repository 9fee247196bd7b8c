import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WhistleCore
import WhistleStore

/// Counts views of points' pages in memory and writes them every few seconds in one transaction.
///
/// A view used to be an fsynced write of its own, so a flood of page views queued residents' report commits behind
/// it. Plaque health needs daily counts, not durability to the second: a crash loses at most `interval` of counts.
final class ScanCounter: Service, Sendable {
    private let database: AppDatabase
    private let interval: Duration
    private let logger: Logger
    private let pending = Mutex<[ScanTally.Key: Int]>([:])

    init(database: AppDatabase, interval: Duration = .seconds(5), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    /// One view of `pointID`'s page at `now` (Asia/Shanghai day); no I/O.
    func record(pointID: String, at now: Date) {
        let key = ScanTally.Key(pointID: pointID, day: ShanghaiTime.dayStamp(now))
        pending.withLock { $0[key, default: 0] += 1 }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                if Task.isCancelled { break }  // the last write is below
                await self.flush()
            }
        }
        // Stopping: what was counted since the last write goes in now. In a task of its own, because this one may be
        // cancelled (a hard stop rather than a graceful one) and GRDB refuses to start a write in a cancelled task.
        await Task { await self.flush() }.value
    }

    func flush() async {
        let batch = pending.withLock { counts -> [ScanTally] in
            defer { counts = [:] }
            return counts.map { ScanTally(key: $0.key, count: $0.value) }
        }
        guard !batch.isEmpty else { return }
        do {
            try await database.addScans(batch)
        } catch {
            // Put them back for the next try rather than lose them.
            pending.withLock { counts in for tally in batch { counts[tally.key, default: 0] += tally.count } }
            logger.error("cannot write scan counts; will retry", metadata: ["error": "\(error)"])
        }
    }
}
