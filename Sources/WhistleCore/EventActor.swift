/// Who did what an event records, when it is not a responder (whose id is the actor): one spelling for every writer
/// and reader of the timeline.
public enum EventActor {
    /// The resident who filed or rated the report.
    public static let resident = "resident"
    /// Whistle itself: the dispatcher's notifications, breaches, retention.
    public static let system = "system"
    /// The office at the command line (`whistle points rotate`).
    public static let office = "admin"
}
