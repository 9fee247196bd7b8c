import Foundation

/// A checked community: everything `whistle import` writes, consistent with itself.
public struct Community: Sendable, Equatable {
    /// 1 when the file gives none (a one-community deployment, as every file was before the street file).
    public var id: Int64
    /// Whether the file said `id:`; a file without one may not be imported into a deployment of several communities.
    public var idGiven: Bool
    public var name: String
    /// Printed into every QR code: `baseURL + "/p/" + code`. No trailing slash. Nil: the street file's.
    public var baseURL: String?
    public var categories: [Category]
    public var grids: [Grid]
    public var responders: [Responder]
    public var duty: [DutyShift]
    /// Points without codes yet: codes are the database's to keep, not the file's.
    public var points: [PointDraft]
    public var policy: EscalationPolicy
    /// Responder ids the policy names that this file does not define: departments or staff of the street file,
    /// checked against the database (or the same street import) when imported.
    public var sharedTargets: [String]

    public struct PointDraft: Sendable, Equatable {
        public var id: String
        public var kind: PointKind
        public var name: String
        public var address: String?
        public var gridID: String
        public var latitude: Double?
        public var longitude: Double?
        public var services: [String]
        public var active: Bool
    }
}

/// A community file that cannot be imported; the message names the entry and the field.
public struct CommunityError: Error, Sendable, Equatable, CustomStringConvertible {
    public var entry: String
    public var field: String
    public var problem: String

    public init(entry: String, field: String, problem: String) {
        self.entry = entry
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(entry): field '\(field)' \(problem)" }
}

/// Every problem found in a community file.
public struct CommunityErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [CommunityError]

    public init(errors: [CommunityError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
