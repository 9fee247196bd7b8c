import Foundation

/// Where residents' photos live, and how a photo that never became part of a report is found and removed.
///
/// On SQLite they are files beside the database: a photo is written (and fsynced) into `incoming/` before its report
/// commits, and moved beside the others only after the commit. On PostgreSQL they are rows of `photo`, so every node
/// serves what any node took in (docs/plans/15-postgres.md §5.6: a folder shared by NFS would be one more thing to
/// run, back up and lose): written and committed before the report, marked settled after it.
///
/// Either way a crash in between leaves an unsettled photo, which `sweepIncomingPhotos` finds later: kept when a
/// committed report names it, deleted otherwise — the privacy notice's one-year retention only finds photos that a
/// report names, so an unnamed one must not outlive its request.
extension AppDatabase {
    public var incomingPhotosDirectory: String { photosDirectory + "/incoming" }

    /// Photo ids are the server's own: base32 and ".jpg". Anything else is not a photo we stored.
    public static func isPhotoID(_ id: String) -> Bool {
        id.range(of: #"^[a-z2-9]{26}\.jpg$"#, options: .regularExpression) != nil
    }

    /// Blocking file work (an fsync, a big read) stays off Swift's cooperative threads.
    private static let files = DispatchQueue(label: "whistle.photo-files", attributes: .concurrent)

    private static func onFileQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            files.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Keeps a sanitised JPEG, durably, before the report that names it commits; returns its new id.
    public func storePhoto(_ jpeg: Data, at now: Date = Date()) async throws -> String {
        let id = Secret.generate(bytes: 16) + ".jpg"
        if postgres != nil {
            try await write { tx in
                try tx.execute("INSERT INTO photo (id, bytes, created_at) VALUES (?, ?, ?)", [id, Array(jpeg), now])
            }
            return id
        }
        let directory = incomingPhotosDirectory
        try await Self.onFileQueue {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let url = URL(fileURLWithPath: directory).appendingPathComponent(id)
            try jpeg.write(to: url, options: [.atomic])
            // Data.write(.atomic) renames into place; fsync the file so a crash cannot leave a report pointing at nothing.
            let handle = try FileHandle(forWritingTo: url)
            try handle.synchronize()
            try handle.close()
        }
        return id
    }

    /// The photo's bytes, or nil for an id we never kept (or no longer keep).
    public func photoData(_ id: String) async throws -> Data? {
        guard Self.isPhotoID(id) else { return nil }
        if postgres != nil {
            return try await read { tx in try tx.value("SELECT bytes FROM photo WHERE id = ?", [id], as: [UInt8].self) }.map { Data($0) }
        }
        guard let path = photoPath(id) else { return nil }
        return try await Self.onFileQueue { try? Data(contentsOf: URL(fileURLWithPath: path)) }
    }

    /// After the report that names them committed: the photos are settled (moved into place), so no sweep removes them.
    public func settlePhotos(_ ids: [String]) async {
        let ids = ids.filter(Self.isPhotoID)
        guard !ids.isEmpty else { return }
        if postgres != nil {
            // A failure here is harmless: the sweep finds the report that names the photo and settles it then.
            _ = try? await write { tx in try tx.execute("UPDATE photo SET settled_at = ? WHERE id IN (\(Self.marks(ids.count)))", [Date()] + Self.texts(ids)) }
            return
        }
        for id in ids { try? FileManager.default.moveItem(atPath: incomingPhotosDirectory + "/" + id, toPath: photosDirectory + "/" + id) }
    }

    /// Removes photos no report refers to (the report was refused after they were written).
    public func removePhotos(_ ids: [String]) async {
        let ids = ids.filter(Self.isPhotoID)
        guard !ids.isEmpty else { return }
        if postgres != nil {
            _ = try? await write { tx in try tx.execute("DELETE FROM photo WHERE id IN (\(Self.marks(ids.count)))", Self.texts(ids)) }
            return
        }
        for id in ids { if let path = photoPath(id) { try? FileManager.default.removeItem(atPath: path) } }
    }

    /// How many photos the store keeps (settled or not).
    public func photoCount() async throws -> Int {
        if postgres != nil { return try await read { tx in try tx.value("SELECT COUNT(*) FROM photo", as: Int.self) ?? 0 } }
        let count = { (folder: String) in (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter(Self.isPhotoID).count ?? 0 }
        return count(photosDirectory) + count(incomingPhotosDirectory)
    }

    /// The photo's file, wherever it is now (in place, or still in `incoming/` after a crash), or nil. SQLite only.
    public func photoPath(_ id: String) -> String? {
        guard postgres == nil, Self.isPhotoID(id) else { return nil }
        for folder in [photosDirectory, incomingPhotosDirectory] where FileManager.default.fileExists(atPath: folder + "/" + id) {
            return folder + "/" + id
        }
        return nil
    }

    /// Settles photos older than `age` that were never settled (no request is still writing its report by then): a
    /// photo a report names is kept, any other is deleted. `now` is the system's time, as the files' are.
    @discardableResult
    public func sweepIncomingPhotos(olderThan age: TimeInterval = 3600, now: Date = Date()) async throws -> (kept: Int, removed: Int) {
        if postgres != nil {
            return try await write { tx in
                let stale = try tx.fetchAll(
                    "SELECT id, created_at FROM photo WHERE settled_at IS NULL AND created_at <= ? FOR UPDATE SKIP LOCKED", [now.addingTimeInterval(-age)])
                var kept = 0
                var removed = 0
                for row in stale {
                    let id = try row.get("id", as: String.self)
                    if try Self.isNamedByAReport(id, writtenAt: try row.get("created_at"), tx) {
                        try tx.execute("UPDATE photo SET settled_at = ? WHERE id = ?", [now, id])
                        kept += 1
                    } else {
                        try tx.execute("DELETE FROM photo WHERE id = ?", [id])
                        removed += 1
                    }
                }
                return (kept, removed)
            }
        }
        let folder = incomingPhotosDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return (0, 0) }
        var kept = 0
        var removed = 0
        for name in names {
            let path = folder + "/" + name
            guard let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                now.timeIntervalSince(modified) >= age
            else { continue }
            if Self.isPhotoID(name), try await read({ tx in try Self.isNamedByAReport(name, writtenAt: modified, tx) }) {
                try? FileManager.default.moveItem(atPath: path, toPath: photosDirectory + "/" + name)
                kept += 1
            } else {
                try? FileManager.default.removeItem(atPath: path)
                removed += 1
            }
        }
        return (kept, removed)
    }

    /// Removes the photos of reports the retention purge cleared: rows in its transaction on PostgreSQL; files after
    /// the commit on SQLite (see `purgePersonalData`).
    static func deletePhotoRows(_ ids: [String], _ tx: any SQLTransaction) throws {
        guard tx.dialect == .postgres, !ids.isEmpty else { return }
        try tx.execute("DELETE FROM photo WHERE id IN (\(marks(ids.count)))", texts(ids))
    }

    /// Whether a committed report names the photo. Its report was created within moments of the write: the search
    /// stays on `report_created`, a day either side in case the clock was stepped meanwhile.
    private static func isNamedByAReport(_ id: String, writtenAt: Date, _ tx: any SQLTransaction) throws -> Bool {
        try tx.value(
            "SELECT EXISTS(SELECT 1 FROM report WHERE created_at BETWEEN ? AND ? AND photo_ids LIKE ? ESCAPE '\\')",
            [writtenAt.addingTimeInterval(-86400), writtenAt.addingTimeInterval(86400), "%\"\(id)\"%"], as: Bool.self) ?? false
    }

    /// `?, ?, ?`: the placeholders of an `IN (…)` list.
    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
    private static func texts(_ ids: [String]) -> SQLArguments { SQLArguments(ids.map { .text($0) }) }
}
