import Foundation

/// Group commit for residents' reports.
///
/// Every report must be on disk (`synchronous=FULL`: an fsync) before its resident is told "received", and the disk
/// does a bounded number of fsyncs a second whatever they carry. So reports are not committed one by one: the first
/// to arrive is written at once, alone; those that arrive while that commit is on its way to the disk wait and then
/// share the next commit, up to `maxBatch`. An idle server adds no delay; a busy one does one fsync for many reports.
/// Each report keeps its own savepoint and its own answer, and a caller returns only after the commit that holds it.
final class ReportIntake: Sendable {
    typealias Item = (draft: ReportDraft, at: Date)
    typealias Writer = @Sendable ([Item]) async throws -> [Result<CreatedReport, any Error>]

    private let queue: Queue
    static let maxBatch = 64

    init(write: @escaping Writer) {
        queue = Queue(write: write)
    }

    func submit(_ draft: ReportDraft, at now: Date) async throws -> CreatedReport {
        try await queue.submit((draft, now)).get()
    }

    private actor Queue {
        private let write: Writer
        private var waiting: [(item: Item, answer: CheckedContinuation<Result<CreatedReport, any Error>, Never>)] = []
        private var draining = false

        init(write: @escaping Writer) {
            self.write = write
        }

        func submit(_ item: Item) async -> Result<CreatedReport, any Error> {
            await withCheckedContinuation { answer in
                waiting.append((item, answer))
                guard !draining else { return }
                draining = true
                // Unstructured: a resident who closes the page must not cancel the commit that holds other reports.
                Task { await self.drain() }
            }
        }

        private func drain() async {
            while !waiting.isEmpty {
                let batch = Array(waiting.prefix(ReportIntake.maxBatch))
                waiting.removeFirst(batch.count)
                // While this awaits the disk, new reports queue up for the next commit.
                let results: [Result<CreatedReport, any Error>]
                do {
                    results = try await write(batch.map(\.item))
                } catch {
                    results = Array(repeating: .failure(error), count: batch.count)
                }
                for (waiter, result) in zip(batch, results) { waiter.answer.resume(returning: result) }
            }
            draining = false
        }
    }
}
