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

extension Community {
    /// Checks the file and returns every problem found, not just the first.
    public static func validate(_ file: CommunityFile) -> Result<Community, CommunityErrors> {
        let checks = FileChecks()
        let fail = checks.fail
        let required = checks.required
        let printable = checks.printable
        let label = FileChecks.label
        func checkID(_ id: String, _ entry: String, _ seen: inout Set<String>) { checks.checkID(id, entry, &seen) }

        let name = required(file.community, "community", "community")
        printable(name, "community", "community")
        if let id = file.id, id < 1 { fail("community", "id", "is \(id): community ids are whole numbers from 1") }
        let baseURL = file.base_url.flatMap { checks.baseURL($0, "community") }

        var categories: [Category] = []
        var categoryIDs = Set<String>()
        for (index, category) in (file.categories ?? []).enumerated() {
            let entry = label("category", index, category.id)
            checkID(category.id, entry, &categoryIDs)
            if category.label.trimmingCharacters(in: .whitespaces).isEmpty { fail(entry, "label", "is missing") }
            categories.append(category)
        }
        if categories.isEmpty { fail("community", "categories", "is missing: residents need at least one to pick") }

        var responders: [Responder] = []
        var responderIDs = Set<String>()
        for (index, entry) in (file.responders ?? []).enumerated() {
            let where_ = label("responder", index, entry.id)
            let id = required(entry.id, where_, "id")
            checkID(id, where_, &responderIDs)
            guard let responder = checks.responder(entry, id: id, where_) else { continue }
            if responder.role == .street {
                fail(where_, "role", "is 'street': street staff are defined once, in the street file")
                continue
            }
            responders.append(responder)
        }

        var grids: [Grid] = []
        var gridIDs = Set<String>()
        for (index, entry) in (file.grids ?? []).enumerated() {
            let where_ = label("grid", index, entry.id)
            let id = required(entry.id, where_, "id")
            checkID(id, where_, &gridIDs)
            let name = required(entry.name, where_, "name")
            if let leader = entry.leader, !leader.isEmpty, !responderIDs.contains(leader) {
                fail(where_, "leader", "names unknown responder '\(leader)'")
            }
            grids.append(Grid(id: id, name: name, leaderID: entry.leader?.isEmpty == false ? entry.leader : nil))
        }
        if grids.isEmpty { fail("community", "grids", "is missing: every point belongs to a grid") }

        var duty: [DutyShift] = []
        for (index, entry) in (file.duty ?? []).enumerated() {
            let where_ = "duty #\(index + 1)"
            let grid = required(entry.grid, where_, "grid")
            if !grid.isEmpty && !gridIDs.contains(grid) { fail(where_, "grid", "names unknown grid '\(grid)'") }
            let responder = required(entry.responder, where_, "responder")
            if !responder.isEmpty && !responderIDs.contains(responder) {
                fail(where_, "responder", "names unknown responder '\(responder)'")
            }
            let daysText = entry.days ?? "mon-sun"
            let days = Weekdays.parse(daysText)
            if days == nil { fail(where_, "days", "is '\(daysText)'; write e.g. mon-sun, mon-fri or sat,sun") }
            let fromText = required(entry.from, where_, "from")
            let toText = required(entry.to, where_, "to")
            let start = DutyShift.parseClock(fromText)
            let end = DutyShift.parseClock(toText)
            if start == nil && !fromText.isEmpty { fail(where_, "from", "is '\(fromText)', not a time HH:MM") }
            if end == nil && !toText.isEmpty { fail(where_, "to", "is '\(toText)', not a time HH:MM") }
            if let start, let end {
                if start == 1440 {
                    fail(where_, "from", "is 24:00; a shift starts at 00:00 … 23:59")
                } else if start == end {
                    fail(where_, "to", "equals 'from': an empty shift (write 00:00 to 24:00 for all day)")
                } else if end < start && end == 0 {
                    fail(where_, "to", "is 00:00 before 'from'; write 24:00 for a shift that ends at midnight")
                }
            }
            if let days, let start, let end {
                duty.append(
                    DutyShift(
                        gridID: grid, responderID: responder, days: days, startMinute: start, endMinute: end,
                        backup: entry.backup ?? false))
            }
        }

        var points: [PointDraft] = []
        var pointIDs = Set<String>()
        for (index, entry) in (file.points ?? []).enumerated() {
            let where_ = label("point", index, entry.id)
            let id = required(entry.id, where_, "id")
            checkID(id, where_, &pointIDs)
            let kindText = required(entry.kind, where_, "kind")
            let kind = PointKind(rawValue: kindText)
            if kind == nil && !kindText.isEmpty {
                fail(where_, "kind", "is '\(kindText)', not one of statue, station, merchant")
            }
            let name = required(entry.name, where_, "name")
            printable(name, where_, "name")
            let grid = required(entry.grid, where_, "grid")
            if !grid.isEmpty && !gridIDs.contains(grid) { fail(where_, "grid", "names unknown grid '\(grid)'") }
            if let lat = entry.lat, !(-90...90).contains(lat) { fail(where_, "lat", "is out of range") }
            if let lon = entry.lon, !(-180...180).contains(lon) { fail(where_, "lon", "is out of range") }
            let services = (entry.services ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for service in services { printable(service, where_, "services") }
            if let kind {
                points.append(
                    PointDraft(
                        id: id, kind: kind, name: name, address: entry.address?.isEmpty == true ? nil : entry.address,
                        gridID: grid, latitude: entry.lat, longitude: entry.lon, services: services,
                        active: entry.active ?? true))
            }
        }

        var sharedTargets: [String] = []
        let policy = validatePolicy(file.policy, responderIDs: responderIDs, shared: &sharedTargets, fail: fail)

        guard checks.errors.isEmpty else { return .failure(CommunityErrors(errors: checks.errors)) }
        // Everything the file defines belongs to its community.
        let id = file.id ?? 1
        for index in responders.indices { responders[index].communityID = id }
        for index in grids.indices { grids[index].communityID = id }
        return .success(
            Community(
                id: id, idGiven: file.id != nil, name: name, baseURL: baseURL, categories: categories, grids: grids,
                responders: responders, duty: duty, points: points, policy: policy, sharedTargets: sharedTargets))
    }

    private static func validatePolicy(
        _ entry: CommunityFile.PolicyEntry?, responderIDs: Set<String>, shared: inout [String],
        fail: (String, String, String) -> Void
    ) -> EscalationPolicy {
        guard let entry else { return .standard }
        func duration(_ text: String?, _ field: String, default value: Duration) -> Duration {
            guard let text else { return value }
            guard let parsed = DurationText.parse(text) else {
                fail("policy", field, "is '\(text)', not a duration such as 0s, 3m or 1h")
                return value
            }
            return parsed
        }
        let promise = duration(entry.promise, "promise", default: .seconds(600))
        if promise <= .zero { fail("policy", "promise", "must be longer than 0s") }
        let every = duration(entry.after_breach_every, "after_breach_every", default: .seconds(300))
        if every <= .zero { fail("policy", "after_breach_every", "must be longer than 0s") }
        let resolveWithin = duration(entry.resolve_within, "resolve_within", default: .seconds(86400))
        let repeats = entry.after_breach_repeats ?? EscalationPolicy.defaultRepeats
        if !(0...20).contains(repeats) { fail("policy", "after_breach_repeats", "is \(repeats): say 0 to 20 (the daily digest follows)") }
        var digestMinute = EscalationPolicy.defaultDigestMinute
        if let text = entry.digest_at {
            if let minute = DutyShift.parseClock(text), minute < 1440 {
                digestMinute = minute
            } else {
                fail("policy", "digest_at", "is '\(text)', not a time of day such as 09:00")
            }
        }
        var steps: [EscalationPolicy.Step] = []
        for (index, step) in (entry.steps ?? []).enumerated() {
            let field = "steps[\(index)]"
            guard let afterText = step.after else {
                fail("policy", "\(field).after", "is missing")
                continue
            }
            let after = duration(afterText, "\(field).after", default: .zero)
            let targets = (step.notify ?? []).map(NotifyTarget.init)
            if targets.isEmpty {
                fail("policy", "\(field).notify", "is missing: name on_duty, backup, grid_leader, secretary, street or a responder id")
            }
            // An id this file does not define may be a shared department or street staff: the import checks it.
            for case .responder(let id) in targets where !responderIDs.contains(id) && !shared.contains(id) {
                shared.append(id)
            }
            if after > promise { fail("policy", "\(field).after", "is after the promise (\(DurationText.format(promise)))") }
            steps.append(.init(after: after, notify: targets))
        }
        if steps.isEmpty {
            return EscalationPolicy(
                promise: promise, steps: EscalationPolicy.standard.steps, afterBreachEvery: every, afterBreachRepeats: repeats,
                resolveWithin: resolveWithin, digestMinute: digestMinute)
        }
        if steps.first?.afterSeconds != 0 && !steps.contains(where: { $0.afterSeconds == 0 }) {
            fail("policy", "steps[0].after", "must include a step at 0s: someone is told at once")
        }
        return EscalationPolicy(
            promise: promise, steps: steps, afterBreachEvery: every, afterBreachRepeats: repeats, resolveWithin: resolveWithin,
            digestMinute: digestMinute)
    }
}

/// Every problem found in a community file.
public struct CommunityErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [CommunityError]

    public init(errors: [CommunityError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
