/// A place with a QR plaque (点位).
public struct Point: Codable, Sendable, Equatable, Identifiable {
    enum CodingKeys: String, CodingKey {
        case id
        case kind
        case name
        case address
        case gridID = "grid_id"
        case latitude
        case longitude
        case code
        case services
        case active
        case communityID = "community_id"
    }

    public var id: String
    public var kind: PointKind
    public var name: String
    public var address: String?
    public var gridID: String
    public var latitude: Double?
    public var longitude: Double?
    /// The unguessable token in the QR URL; rotating it voids old plaques.
    public var code: String
    /// A merchant's published services (服务项目清单); empty for others.
    public var services: [String]
    public var active: Bool
    /// The community the point belongs to; a point never moves to another (re-add it under a new id).
    public var communityID: Int64

    public init(
        id: String, kind: PointKind, name: String, address: String? = nil, gridID: String,
        latitude: Double? = nil, longitude: Double? = nil, code: String, services: [String] = [], active: Bool = true,
        communityID: Int64 = 1
    ) {
        self.communityID = communityID
        self.id = id
        self.kind = kind
        self.name = name
        self.address = address
        self.gridID = gridID
        self.latitude = latitude
        self.longitude = longitude
        self.code = code
        self.services = services
        self.active = active
    }
}

extension Point {
    /// The id of `gridID`'s typed place (其他地点): a `:` never occurs in a file's ids.
    public static func gridPlaceID(_ gridID: String) -> String { "grid:\(gridID)" }

    /// Its code: `~` is outside `PointCode.alphabet`, so no scanned or typed code ever reaches it.
    public static func gridPlaceCode(_ gridID: String) -> String { "~\(gridID)" }

    /// Whether this is a grid's typed place rather than a place with a plaque.
    public var isGridPlace: Bool { kind == .grid }
}
