import Foundation
import WhistleCore

/// The verdict on one code found on a plaque.
public struct PlaqueVerdict: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Our address and an active point's code.
        case genuine
        /// One of our codes, rotated away or of a deactivated point: the plaque must be replaced.
        case void
        /// Not ours: another address, possibly a fake sticker.
        case foreign
        /// Our address, but no such code.
        case unknown
    }

    public var verdict: Kind
    public var text: String
    public var pointID: String?
    public var pointName: String?
    public var pointKind: String?
    public var grid: String?
    /// One plain sentence for the patrol report.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case verdict, text, detail, grid
        case pointID = "point_id"
        case pointName = "point_name"
        case pointKind = "point_kind"
    }
}

extension AppDatabase {
    /// Judges a decoded code against the street's communities: genuine, void, foreign or unknown. Genuine means the code
    /// of an active point printed under its own community's address.
    public func check(code text: String) async throws -> PlaqueVerdict {
        let snapshot = try await snapshot()
        guard !snapshot.communities.isEmpty else { throw StoreError.notFound("community (run whistle import)") }
        func verdict(_ kind: PlaqueVerdict.Kind, _ point: Point?, _ detail: String) -> PlaqueVerdict {
            PlaqueVerdict(
                verdict: kind, text: text, pointID: point?.id, pointName: point?.name, pointKind: point?.kind.rawValue, grid: point?.gridID,
                detail: detail)
        }
        // Several communities may share one address (the street's) or each have their own: the best reading wins.
        let readings = Set(snapshot.communityList.map(\.baseURL)).sorted().map { base in (base, ScannedCode.classify(text, baseURL: base)) }
        let (base, reading) = readings.first { if case .ours = $0.1 { true } else { false } }
            ?? readings.first { if case .oursMalformed = $0.1 { true } else { false } }
            ?? readings.first { if case .lookalike = $0.1 { true } else { false } }
            ?? readings[0]
        switch reading {
        case .ours(let code):
            switch snapshot.lookup(code: code) {
            case .active(let point) where snapshot.community(of: point)?.baseURL != base:
                let owner = snapshot.community(of: point)?.name ?? "another community"
                return verdict(.unknown, point, "code of \(point.name) (\(owner)) under another community's address: a misprint — reprint it")
            case .active(let point):
                return verdict(.genuine, point, "\(point.name) (\(point.kind.rawValue), grid \(point.gridID))")
            case .void(let point):
                return verdict(.void, point, "old code of \(point.name): replace this plaque with a reprint")
            case .unknown:
                return verdict(.unknown, nil, "our address but no such code: check for a tampered or misprinted plaque")
            }
        case .oursMalformed:
            return verdict(.unknown, nil, "our address but not a point's code")
        case .lookalike(let host):
            return verdict(.foreign, nil, "LOOK-ALIKE address \(host), not ours: probably a fake sticker — remove it and report it")
        case .foreign:
            return verdict(.foreign, nil, "not our address: possibly a sticker pasted over the plaque — check and remove it")
        }
    }

    /// A patrol saw the point's genuine plaque: a `verified` event at the photo's time.
    public func recordVerified(pointID: String, at date: Date, photo: String, by actor: String) async throws {
        try await write { tx in
            try tx.insert(Event(reportID: nil, pointID: pointID, at: date, kind: .verified, actor: actor, detail: ["photo": photo]))
        }
    }

    /// When each point's plaque was last seen genuine on patrol.
    public func lastVerified() async throws -> [String: Date] {
        try await read { tx in
            var result: [String: Date] = [:]
            for row in try tx.fetchAll("SELECT point_id, MAX(at) AS at FROM event WHERE kind = 'verified' GROUP BY point_id", []) {
                if let id = try row.optional("point_id", as: String.self), let at = try row.optional("at", as: Date.self) { result[id] = at }
            }
            return result
        }
    }
}
