import Foundation

/// Where residents' photos live, and how a photo that never became part of a report is found and removed.
///
/// A photo is written (and fsynced) into `incoming/` before its report commits, and moved beside the others only
/// after the commit. A crash in between leaves it in `incoming/`, where `sweepIncomingPhotos` finds it later: moved
/// into place when a committed report names it, deleted otherwise — the privacy notice's one-year retention only
/// finds photos that a report names, so an unnamed one must not outlive its request.
extension AppDatabase {
    public var incomingPhotosDirectory: String { photosDirectory + "/incoming" }

    /// Photo ids are the server's own: base32 and ".jpg". Anything else is not a photo we stored.
    public static func isPhotoID(_ id: String) -> Bool {
        id.range(of: #"^[a-z2-9]{26}\.jpg$"#, options: .regularExpression) != nil
    }

    /// The photo's file, wherever it is now (in place, or still in `incoming/` after a crash), or nil.
    public func photoPath(_ id: String) -> String? {
        guard Self.isPhotoID(id) else { return nil }
        for folder in [photosDirectory, incomingPhotosDirectory] where FileManager.default.fileExists(atPath: folder + "/" + id) {
            return folder + "/" + id
        }
        return nil
    }

    /// Settles photos in `incoming/` older than `age` (no request is still writing its report by then): a photo a
    /// report names is moved into place, any other is deleted. `now` is the system's time, as the files' are.
    @discardableResult
    public func sweepIncomingPhotos(olderThan age: TimeInterval = 3600, now: Date = Date()) async throws -> (kept: Int, removed: Int) {
        let folder = incomingPhotosDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return (0, 0) }
        var kept = 0
        var removed = 0
        for name in names {
            let path = folder + "/" + name
            guard let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                now.timeIntervalSince(modified) >= age
            else { continue }
            if Self.isPhotoID(name), try await isNamedByAReport(name, writtenAt: modified) {
                try? FileManager.default.moveItem(atPath: path, toPath: photosDirectory + "/" + name)
                kept += 1
            } else {
                try? FileManager.default.removeItem(atPath: path)
                removed += 1
            }
        }
        return (kept, removed)
    }

    /// Whether a committed report names the photo. Its report was created within moments of the write: the search
    /// stays on `report_created`, a day either side in case the clock was stepped meanwhile.
    private func isNamedByAReport(_ id: String, writtenAt: Date) async throws -> Bool {
        try await read { tx in
            try tx.value(
                "SELECT EXISTS(SELECT 1 FROM report WHERE created_at BETWEEN ? AND ? AND photo_ids LIKE ? ESCAPE '\\')",
                [writtenAt.addingTimeInterval(-86400), writtenAt.addingTimeInterval(86400), "%\"\(id)\"%"], as: Bool.self) ?? false
        }
    }
}
