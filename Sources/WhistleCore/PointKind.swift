/// What kind of place carries a plaque.
public enum PointKind: String, Codable, Sendable, CaseIterable {
    /// A red-whistle statue (红哨塑像).
    case statue
    /// A service station: service centre, guard room, relay station.
    case station
    /// A merchant that posts a service sign (服务标识).
    case merchant
    /// Not a plaque: a grid's "typed place" (其他地点), where part-time grid workers' reports from a spot with no
    /// plaque are filed (`Point.gridPlaceID`). Made by the import for the grids part-time workers pass through; never
    /// given a page, a plaque or a file entry.
    case grid
}
