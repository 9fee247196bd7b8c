/// What kind of place carries a plaque.
public enum PointKind: String, Codable, Sendable, CaseIterable {
    /// A red-whistle statue (红哨塑像).
    case statue
    /// A service station: service centre, guard room, relay station.
    case station
    /// A merchant that posts a service sign (服务标识).
    case merchant
}

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

    public init(
        id: String, kind: PointKind, name: String, address: String? = nil, gridID: String,
        latitude: Double? = nil, longitude: Double? = nil, code: String, services: [String] = [], active: Bool = true
    ) {
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

/// An area of the community with its grid worker(s) and leader (网格).
public struct Grid: Codable, Sendable, Equatable, Identifiable {
    enum CodingKeys: String, CodingKey {
        case id
        case name
        case leaderID = "leader_id"
    }

    public var id: String
    public var name: String
    public var leaderID: String?

    public init(id: String, name: String, leaderID: String?) {
        self.id = id
        self.name = name
        self.leaderID = leaderID
    }
}
