import Foundation
import WhistleImaging
import WhistleStore

/// Residents' photos on disk, beside the database and outside anything served: named by the server, metadata gone.
struct PhotoStore: Sendable {
    let directory: String
    /// libvips decodes are CPU-bound and long: they run on their own threads, at most one per spare core, so two large
    /// photos on two cores cannot stall every request and the dispatcher on Swift's cooperative pool.
    let gate = DecodeGate(slots: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: 8)
    private static let workers = DispatchQueue(label: "whistle.photos", attributes: .concurrent)

    /// Sanitises and writes a photo; returns its id (the file name). The file is durable before the report commits.
    /// Throws `PhotoError.unavailable` when more photos wait than the gate queues (the resident is asked to retry).
    func save(_ bytes: [UInt8]) async throws -> String {
        guard await gate.enter() else { throw PhotoError.unavailable("the server is busy with other photos; try again in a minute") }
        let directory = self.directory
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

    /// Removes photos no report refers to (the report was refused after they were written): the privacy notice's
    /// one-year retention only finds photos that a report names.
    func remove(_ ids: [String]) {
        for id in ids { if let url = url(of: id) { try? FileManager.default.removeItem(at: url) } }
    }

    func url(of id: String) -> URL? {
        // Ids are ours: base32 and ".jpg"; anything else is not a photo we stored.
        guard id.range(of: #"^[a-z2-9]{26}\.jpg$"#, options: .regularExpression) != nil else { return nil }
        return URL(fileURLWithPath: directory).appendingPathComponent(id)
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
