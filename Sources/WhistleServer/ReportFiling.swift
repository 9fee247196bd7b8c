import Foundation
import HTTPTypes
import Logging
import WhistleCore
import WhistleDispatch
import WhistleImaging
import WhistleStore

/// Files a checked report: saves its photo, commits the report, settles the photo, wakes the dispatcher. The one path
/// for a resident's form (`PointController`) and a part-time grid worker's (`PartTimeController`), so photo handling,
/// durability ("received" only after the commit) and the counters are the same for both.
struct ReportFiling: Sendable {
    let database: AppDatabase
    let photos: PhotoStore
    let notifier: @Sendable () -> Void
    let metrics: WhistleMetrics
    let logger: Logger

    enum Outcome {
        case filed(CreatedReport)
        /// The photo was refused: the catalogue key of its field's message, and the answer's status.
        case photo(key: String, status: HTTPResponse.Status)
        /// The same form was already submitted.
        case replayed
        /// The store refused the person (a part-time worker off their grids).
        case forbidden
        /// Nothing was stored: the database is down or refused the write.
        case unavailable
    }

    func file(_ draft: ReportDraft, photo: [UInt8]?, at now: Date) async throws -> Outcome {
        var draft = draft
        if let bytes = photo {
            do {
                draft.photoIDs.append(try await photos.save(bytes))
            } catch let error as PhotoError {
                let (key, status): (String, HTTPResponse.Status) =
                    switch error {
                    case .notAnImage: ("error_photo_type", .unprocessableContent)
                    case .tooLarge: ("error_photo_size", .contentTooLarge)
                    case .tooManyPixels: ("error_photo_pixels", .unprocessableContent)
                    case .undecodable: ("error_photo_bad", .unprocessableContent)
                    // The server's fault, not the photo's (`whistle serve` checks libvips at start).
                    case .unavailable: ("error_photo_unavailable", .serviceUnavailable)
                    }
                return .photo(key: key, status: status)
            }
        }
        let created: CreatedReport
        do {
            created = try await database.createReport(draft, at: now)
        } catch StoreError.replayed {
            await photos.remove(draft.photoIDs)
            return .replayed
        } catch StoreError.forbidden {
            await photos.remove(draft.photoIDs)
            return .forbidden
        } catch {
            // Nothing was stored: neither may its photo be, and the sender is told plainly, never shown a bare 500.
            await photos.remove(draft.photoIDs)
            logger.error("report not stored", metadata: ["point": "\(draft.pointID)", "error": "\(error)"])
            return .unavailable
        }
        // Committed: only now may anyone be told it was received.
        await photos.settle(draft.photoIDs)
        notifier()
        metrics.reportReceived(duplicate: created.original != nil, dutyGaps: created.dutyGaps.count, firstInCommit: created.firstInCommit)
        if !created.dutyGaps.isEmpty {
            logger.warning("no one on duty: grid leader notified instead", metadata: ["report": "\(created.report.number)", "point": "\(draft.pointID)"])
        }
        var metadata: Logger.Metadata = ["report": "\(created.report.number)", "point": "\(draft.pointID)", "category": "\(draft.category)"]
        if let finder = draft.foundBy { metadata["found_by"] = "\(finder)" }
        if let integration = draft.submitter?.integrationName { metadata["via"] = "open311:\(integration)" }
        logger.info("report received", metadata: metadata)
        return .filed(created)
    }
}
