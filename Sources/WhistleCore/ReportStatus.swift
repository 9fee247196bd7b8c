/// Where a report stands. The resident sees it; responders move it.
public enum ReportStatus: String, Codable, Sendable, CaseIterable {
    case open
    case acknowledged
    case whistled
    case resolved
    case closed
    case rejected
    case duplicate

    /// Reports still waiting for someone (the promise clock or a department's clock may be running).
    public var isActive: Bool {
        switch self {
        case .open, .acknowledged, .whistled: true
        case .resolved, .closed, .rejected, .duplicate: false
        }
    }
}

/// What a responder can do to a report.
public enum ReportAction: String, Sendable {
    case acknowledge
    case whistle
    case resolve
    case reopen
    case close
    case reject
}

extension ReportStatus {
    /// The status after `action`, or nil when the action is not allowed from here.
    ///
    /// Resolving needs an acknowledgement first: the promise clock stops only at an ack,
    /// so a silent "resolve" would hide how long the resident waited.
    public func applying(_ action: ReportAction) -> ReportStatus? {
        switch (self, action) {
        case (.open, .acknowledge), (.duplicate, .acknowledge): .acknowledged
        case (.acknowledged, .whistle), (.whistled, .whistle): .whistled
        case (.whistled, .acknowledge): .whistled
        case (.acknowledged, .resolve), (.whistled, .resolve): .resolved
        case (.resolved, .reopen), (.closed, .reopen): .acknowledged
        case (.resolved, .close): .closed
        case (.open, .reject), (.duplicate, .reject): .rejected
        default: nil
        }
    }
}
