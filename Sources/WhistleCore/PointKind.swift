/// What kind of place carries a plaque.
public enum PointKind: String, Codable, Sendable, CaseIterable {
    /// A red-whistle statue (红哨塑像).
    case statue
    /// A service station: service centre, guard room, relay station.
    case station
    /// A merchant that posts a service sign (服务标识).
    case merchant
}
