import ArgumentParser
import Foundation
import Logging
import Synchronization
import WhistleCore
import WhistleDispatch
import WhistleStore

extension DevCommands {
    /// Times the dispatcher's pass on a database as it stands (see `bench/dispatch.sh`): fresh reports are filed so
    /// that steps fall due, then the clock moves 15 s before each pass; channels answer at once, in memory.
    struct PassBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pass-bench", abstract: "Time dispatcher passes on this database; prints the median and 95th percentile.")
        @Option(help: "How many timed passes.") var passes = 200
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                guard let community = try await store.communities().first else { throw CLIError("no community: run whistle import first") }
                // Three hours after the history ends, so no new report is linked as a duplicate of a synthetic one.
                let time = ManualTime(Date().addingTimeInterval(3 * 3600))
                var logger = Logger(label: "bench")
                logger.logLevel = .critical
                let dispatcher = Dispatcher(database: store, time: time, transport: InstantTransport(), logger: logger)
                // Settle what the history already has due (breaches, digests), untimed.
                for _ in 0..<50 { try await dispatcher.pass() }
                let points = try await store.points(community: community.id)
                var filed = 0
                var durations: [Double] = []
                var due = 0
                for index in 0..<passes {
                    // One new report every other pass, on a fresh point and category, so steps keep falling due.
                    if index % 2 == 0, filed < points.count * community.categories.count {
                        let point = points[filed % points.count]
                        let category = community.categories[(filed / points.count) % community.categories.count]
                        _ = try await store.createReport(
                            ReportDraft(pointID: point.id, category: category.id, description: "bench", statusKeyHash: "x"), at: time.now())
                        filed += 1
                    }
                    time.advance(15)
                    due += try await store.dueCount(at: time.now())
                    let start = ContinuousClock.now
                    try await dispatcher.pass()
                    let elapsed = start.duration(to: .now)
                    durations.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                durations.sort()
                let (reports, open) = try await store.reportCounts()
                print(
                    String(
                        format: "%d reports, %d open: %d passes, %.1f rows due a pass; median %.2f ms, p95 %.2f ms", reports, open, passes,
                        Double(due) / Double(passes), durations[durations.count / 2], durations[durations.count * 95 / 100]))
            }
        }
    }
}

/// A wall clock the benchmark moves by hand.
private final class ManualTime: Timekeeper, Sendable {
    private let wall: Mutex<Date>
    private let start = ContinuousClock.now

    init(_ date: Date) { wall = Mutex(date) }

    func now() -> Date { wall.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { wall.withLock { $0 = $0.addingTimeInterval(seconds) } }
    // Wall and uptime move together here: the benchmark never steps the clock.
    func uptime() -> Duration { .milliseconds(Int64(now().timeIntervalSince1970 * 1000)) }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Every channel answers 200 with a robot's "ok" at once: the benchmark times the dispatcher, not the network.
private struct InstantTransport: HTTPTransport {
    func send(_ request: ChannelRequest, timeout: Duration) async throws -> (status: Int, headers: [(String, String)], body: Data) {
        (200, [], Data(#"{"errcode":0,"code":0}"#.utf8))
    }
}
