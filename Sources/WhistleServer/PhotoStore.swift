import Foundation
import WhistleImaging
import WhistleStore

/// Residents' photos on disk, beside the database and outside anything served: named by the server, metadata gone.
///
/// A photo is written into `incoming/` before its report commits and moved into place after (`settle`); one refused
/// on the way is removed at once, and one left behind by a crash is swept by the dispatcher's `photos` job
/// (`AppDatabase.sweepIncomingPhotos`). So no photo outlives its request unless a report names it.
struct PhotoStore: Sendable {
    let database: AppDatabase
    /// libvips decodes are CPU-bound and long: they run on their own threads, at most one per spare core, so two large
    /// photos on two cores cannot stall every request and the dispatcher on Swift's cooperative pool.
    let gate = DecodeGate(slots: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: 8)
    private static let workers = DispatchQueue(label: "whistle.photos", attributes: .concurrent)

    /// Sanitises and writes a photo into `incoming/`; returns its id (the file name). The file is durable before the
    /// report commits. Throws `PhotoError.unavailable` when more photos wait than the gate queues (the resident is
    /// asked to retry).
    func save(_ bytes: [UInt8]) async throws -> String {
        guard await gate.enter() else { throw PhotoError.unavailable("the server is busy with other photos; try again in a minute") }
        let directory = database.incomingPhotosDirectory
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, any Error>, Never>) in
            Self.workers.async { continuation.resume(returning: Result { try Self.write(bytes, into: directory) }) }
        }
        await gate.leave()
        return try result.get()
    }

    private static func write(_ bytes: [UInt8], into directory: String) throws -> String {
        let photo = try Photo.sanitize(bytes)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let id = Secret.generate(bytes: 16) + ".jpg"
        let url = URL(fileURLWithPath: directory).appendingPathComponent(id)
        try photo.jpeg.write(to: url, options: [.atomic])
        // Data.write(.atomic) renames into place; fsync the file so a crash cannot leave a report pointing at nothing.
        let handle = try FileHandle(forWritingTo: url)
        try handle.synchronize()
        try handle.close()
        return id
    }

    /// Moves committed reports' photos out of `incoming/`. A crash before this is harmless: `url(of:)` looks in both
    /// places and the sweep moves a named photo into place.
    func settle(_ ids: [String]) {
        for id in ids where AppDatabase.isPhotoID(id) {
            try? FileManager.default.moveItem(
                atPath: database.incomingPhotosDirectory + "/" + id, toPath: database.photosDirectory + "/" + id)
        }
    }

    /// Removes photos no report refers to (the report was refused after they were written).
    func remove(_ ids: [String]) {
        for id in ids { if let path = database.photoPath(id) { try? FileManager.default.removeItem(atPath: path) } }
    }

    func url(of id: String) -> URL? {
        database.photoPath(id).map { URL(fileURLWithPath: $0) }
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
