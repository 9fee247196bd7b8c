/// Open311 GeoReport v2 knows two states. Whistle's richer status maps onto them here, once, for every answer and
/// filter: a report is `open` while someone still has to act (waiting, taken, whistled to a department) and `closed`
/// when nobody has to (fixed, closed, not accepted). A duplicate is whatever its original is: it is handled with it.
public enum GeoReportState: String, Sendable, CaseIterable {
    case open
    case closed
}

extension ReportStatus {
    /// The GeoReport state of a report with this status; a duplicate's comes from `original`, its original's status.
    public func geoReportState(original: ReportStatus? = nil) -> GeoReportState {
        let effective = self == .duplicate ? (original ?? .open) : self
        return effective.isActive || effective == .duplicate ? .open : .closed
    }

    /// The statuses that are `state` for a report that is not a duplicate (the SQL filter's list).
    public static func statuses(in state: GeoReportState) -> [ReportStatus] {
        allCases.filter { $0 != .duplicate && $0.geoReportState() == state }
    }
}
