/// What a timeline entry records. One list of the kinds Whistle writes, named once; the raw value is what the
/// database, the API, the live feed (`event:` lines) and the CLI show.
///
/// A struct rather than an enum: a timeline written by a later release (or kept from an earlier one) may hold a kind
/// this build does not name, and reading it must not fail.
public struct EventKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // A report's life.
    public static let created: EventKind = "created"
    public static let notified: EventKind = "notified"
    public static let deliveryFailed: EventKind = "delivery_failed"
    public static let acknowledged: EventKind = "acknowledged"
    public static let whistled: EventKind = "whistled"
    /// The department whistled to took it (报到).
    public static let reportedIn: EventKind = "reported_in"
    public static let breached: EventKind = "breached"
    public static let resolved: EventKind = "resolved"
    public static let reopened: EventKind = "reopened"
    public static let closed: EventKind = "closed"
    public static let rejected: EventKind = "rejected"
    public static let rated: EventKind = "rated"
    public static let personalDataRemoved: EventKind = "personal_data_removed"
    // A point's audit trail.
    public static let verified: EventKind = "verified"
    public static let codeRotated: EventKind = "code_rotated"
}

extension ReportAction {
    /// The event kind a transition writes to the timeline.
    public var eventKind: EventKind {
        switch self {
        case .acknowledge: .acknowledged
        case .whistle: .whistled
        case .resolve: .resolved
        case .reopen: .reopened
        case .close: .closed
        case .reject: .rejected
        }
    }
}
