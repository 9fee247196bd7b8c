import Foundation
import WhistleImaging
import WhistleStore

/// Residents' photos: sanitised here (named by the server, metadata gone), kept by the store (files beside a SQLite
/// database, rows on PostgreSQL), never served from anything public.
///
/// A photo is kept before its report commits and settled after (`settle`); one refused on the way is removed at once,
/// and one left unsettled by a crash is swept by the dispatcher's `photos` job (`AppDatabase.sweepIncomingPhotos`). So
/// no photo outlives its request unless a report names it.
struct PhotoStore: Sendable {
    let database: AppDatabase
    /// libvips decodes are CPU-bound and long: they run on their own threads, at most one per spare core, so two large
    /// photos on two cores cannot stall every request and the dispatcher on Swift's cooperative pool.
    let gate = DecodeGate(slots: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: 8)
    private static let workers = DispatchQueue(label: "whistle.photos", attributes: .concurrent)

    /// Sanitises and keeps a photo; returns its id. It is durable before the report commits. Throws
    /// `PhotoError.unavailable` when more photos wait than the gate queues (the resident is asked to retry).
    func save(_ bytes: [UInt8]) async throws -> String {
        guard await gate.enter() else { throw PhotoError.unavailable("the server is busy with other photos; try again in a minute") }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Data, any Error>, Never>) in
            Self.workers.async { continuation.resume(returning: Result { try Photo.sanitize(bytes).jpeg }) }
        }
        await gate.leave()
        return try await database.storePhoto(try result.get())
    }

    /// Settles committed reports' photos. A crash before this is harmless: the sweep settles a photo a report names.
    func settle(_ ids: [String]) async {
        await database.settlePhotos(ids)
    }

    /// Removes photos no report refers to (the report was refused after they were written).
    func remove(_ ids: [String]) async {
        await database.removePhotos(ids)
    }

    func data(of id: String) async -> Data? {
        try? await database.photoData(id)
    }
}

/// A counting semaphore for photo decodes, with a bounded queue: past it, a request is refused rather than held.
actor DecodeGate {
    private var free: Int
    private let queue: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(slots: Int, queue: Int) {
        self.free = slots
        self.queue = queue
    }

    /// True once a slot is held; false at once when the queue is full.
    func enter() async -> Bool {
        if free > 0 {
            free -= 1
            return true
        }
        guard waiters.count < queue else { return false }
        await withCheckedContinuation { waiters.append($0) }
        return true
    }

    func leave() {
        if waiters.isEmpty { free += 1 } else { waiters.removeFirst().resume() }
    }
}
