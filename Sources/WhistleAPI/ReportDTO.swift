import Foundation

/// A report as the responder API shows it, and as the CLI reads it back: the wire types both sides share, free of
/// server code (the server builds them from its records; the CLI only decodes them). The resident's phone is masked
/// except for whoever took the report.
public struct ReportDTO: Codable, Sendable {
    public struct PointDTO: Codable, Sendable {
        public var id, name, kind, grid: String
        public var address: String?

        public init(id: String, name: String, kind: String, grid: String, address: String?) {
            self.id = id
            self.name = name
            self.kind = kind
            self.grid = grid
            self.address = address
        }
    }

    public struct EventDTO: Codable, Sendable {
        public var at: Date
        public var kind: String
        public var actor: String?
        public var detail: [String: String]

        public init(at: Date, kind: String, actor: String?, detail: [String: String]) {
            self.at = at
            self.kind = kind
            self.actor = actor
            self.detail = detail
        }
    }

    public var number: String
    public var status: String
    public var point: PointDTO
    public var community: CommunityDTO
    public var category: String
    public var category_label: String
    public var description: String
    public var phone: String?
    public var created_at: Date
    public var deadline_at: Date
    /// Seconds left in the promise (negative once past it); nil once acknowledged.
    public var seconds_left: Int?
    public var breached: Bool
    public var ack_at: Date?
    public var ack_by: String?
    public var resolved_at: Date?
    public var resolved_by: String?
    public var whistled_to: String?
    public var reported_in_at: Date?
    public var duplicate_of: String?
    public var rating: Int?
    public var photos: [String]?
    public var timeline: [EventDTO]?
    /// At a grid's typed place: where, in the finder's words.
    public var place: String?
    /// A part-time grid worker's report: who found it (never their phone).
    public var found_by: FinderDTO?
    /// Filed by another system through Open311: `open311:NAME`, the integration's name.
    public var via: String?
    /// What an Open311 client said about the person (name, email): shown only to whoever took the report, as the phone is.
    public var reporter: ReporterDTO?

    public struct ReporterDTO: Codable, Sendable, Equatable {
        public var name: String?
        public var email: String?

        public init(name: String?, email: String?) {
            self.name = name
            self.email = email
        }
    }

    public struct FinderDTO: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var employer: String?

        public init(id: String, name: String, employer: String?) {
            self.id = id
            self.name = name
            self.employer = employer
        }
    }

    public init(
        number: String, status: String, point: PointDTO, community: CommunityDTO, category: String, category_label: String,
        description: String, phone: String?, created_at: Date, deadline_at: Date, seconds_left: Int?, breached: Bool
    ) {
        self.number = number
        self.status = status
        self.point = point
        self.community = community
        self.category = category
        self.category_label = category_label
        self.description = description
        self.phone = phone
        self.created_at = created_at
        self.deadline_at = deadline_at
        self.seconds_left = seconds_left
        self.breached = breached
    }
}

/// The community a report came from: a department or the street serves several.
public struct CommunityDTO: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String

    public init(id: Int64, name: String) {
        self.id = id
        self.name = name
    }
}

/// `GET /api/v1/me`: who a token belongs to and what it reaches.
public struct MeDTO: Codable, Sendable {
    public var id, name, role: String
    public var grids: [String]
    /// The community whose file defines the responder; absent for the street file's departments and staff.
    public var community: CommunityDTO?
    /// The communities whose whole picture (SLA, plaques) they may read: all of them for street staff, none for a
    /// grid worker or a department.
    public var communities: [CommunityDTO]

    public init(id: String, name: String, role: String, grids: [String], community: CommunityDTO?, communities: [CommunityDTO]) {
        self.id = id
        self.name = name
        self.role = role
        self.grids = grids
        self.community = community
        self.communities = communities
    }
}

/// `GET /api/v1/departments`: where a report can be whistled.
public struct DepartmentDTO: Codable, Sendable {
    public var id, name, role: String

    public init(id: String, name: String, role: String) {
        self.id = id
        self.name = name
        self.role = role
    }
}
