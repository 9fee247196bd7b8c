import Foundation
import WhistleCore

extension AppDatabase {
    /// What the privacy notice promises: a resident's phone and photos are kept one year, then removed.
    public static let personalDataRetention: TimeInterval = 365 * 86400

    /// Removes phones and photos from reports created before `cutoff` (the report, its timeline and figures stay), and
    /// the names, email and ids an Open311 client sent with them.
    /// Returns how many reports were cleared; photo files are deleted after the commit.
    @discardableResult
    public func purgePersonalData(createdBefore cutoff: Date, at now: Date) async throws -> Int {
        let cleared = try await write { tx -> [(Int64, [String])] in
            let rows = try tx.fetchAll(
                """
                SELECT id, photo_ids FROM report WHERE created_at < ? AND (phone IS NOT NULL OR photo_ids <> '[]'
                    OR EXISTS (SELECT 1 FROM open311_request o WHERE o.report_id = report.id
                        AND (o.first_name IS NOT NULL OR o.last_name IS NOT NULL OR o.email IS NOT NULL
                            OR o.device_id IS NOT NULL OR o.account_id IS NOT NULL)))
                """, [cutoff])
            let items = try rows.map { row -> (Int64, [String]) in
                let json = try row.get("photo_ids", as: String.self)
                let photos = (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
                return (try row.get("id"), photos)
            }
            for (id, photos) in items {
                try tx.execute("UPDATE report SET phone = NULL, photo_ids = '[]' WHERE id = ?", [id])
                try tx.execute(
                    """
                    UPDATE open311_request SET first_name = NULL, last_name = NULL, email = NULL, device_id = NULL, account_id = NULL
                    WHERE report_id = ?
                    """, [id])
                try Self.deletePhotoRows(photos, tx)
                try tx.insert(Event(reportID: id, at: now, kind: .personalDataRemoved, actor: EventActor.system))
            }
            return items
        }
        for (_, photos) in cleared {
            for photo in photos { if let path = photoPath(photo) { try? FileManager.default.removeItem(atPath: path) } }
        }
        return cleared.count
    }
}
