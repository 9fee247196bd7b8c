import Foundation

/// Who an escalation step reaches for a report on a grid at a moment.
public struct Recipients: Sendable, Equatable {
    /// Responder ids, in the order the policy names them, without repeats.
    public var responderIDs: [String]
    /// True when `on_duty` found nobody and fell back to the grid leader: a gap in the duty table.
    public var dutyGap: Bool

    public init(responderIDs: [String], dutyGap: Bool) {
        self.responderIDs = responderIDs
        self.dutyGap = dutyGap
    }
}

/// The parts of a community needed to turn policy targets into people.
public struct Roster: Sendable {
    public var grids: [String: Grid]
    public var responders: [String: Responder]
    public var schedule: DutySchedule

    public init(grids: [Grid], responders: [Responder], duty: [DutyShift]) {
        self.grids = Dictionary(grids.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.responders = Dictionary(responders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.schedule = DutySchedule(duty)
    }

    /// Who a report can be whistled to: active departments and property companies, by name.
    public var departments: [Responder] {
        responders.values.filter { $0.active && ($0.role == .department || $0.role == .property) }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// Resolves `targets` for a report on `gridID` at `date` (duty is read in Asia/Shanghai time).
    public func resolve(_ targets: [NotifyTarget], grid gridID: String, at date: Date) -> Recipients {
        let (weekday, minute) = ShanghaiTime.weekdayAndMinute(date)
        var ids: [String] = []
        var gap = false
        // Roles resolve inside the report's community: a street serves many, and community A's secretary is not paged
        // for community B's report.
        let community = grids[gridID]?.communityID
        func ofRole(_ role: Role) -> [String] {
            responders.values.filter { $0.role == role && $0.communityID == community }.map(\.id).sorted()
        }
        func leader() -> [String] {
            if let id = grids[gridID]?.leaderID { return [id] }
            return ofRole(.gridLeader)
        }
        for target in targets {
            switch target {
            case .onDuty:
                let found = schedule.onDuty(grid: gridID, weekday: weekday, minute: minute)
                    .filter { responders[$0]?.active == true }
                if found.isEmpty {
                    gap = true
                    ids += leader()
                } else {
                    ids += found
                }
            case .backup:
                ids += schedule.onDuty(grid: gridID, weekday: weekday, minute: minute, backup: true)
            case .gridLeader:
                ids += leader()
            case .secretary:
                ids += ofRole(.secretary)
            case .street:
                ids += responders.values.filter { $0.role == .street }.map(\.id).sorted()
            case .responder(let id):
                ids.append(id)
            }
        }
        var seen = Set<String>()
        let unique = ids.filter { responders[$0]?.active == true && seen.insert($0).inserted }
        return Recipients(responderIDs: unique, dutyGap: gap)
    }
}
