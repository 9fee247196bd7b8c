import Foundation

/// The checks of a community file, one function per section. Each collects its problems in `checks` (with the entry and
/// field) and returns what it could read, so one run names every problem of the file.
extension Community {
    /// Checks the file and returns every problem found, not just the first.
    public static func validate(_ file: CommunityFile) -> Result<Community, CommunityErrors> {
        let checks = FileChecks()
        let name = checks.required(file.community, "community", "community")
        checks.printable(name, "community", "community")
        if let id = file.id, id < 1 { checks.fail("community", "id", "is \(id): community ids are whole numbers from 1") }
        let baseURL = file.base_url.flatMap { checks.baseURL($0, "community") }
        let categories = validateCategories(file.categories ?? [], checks)
        let (checked, responderIDs) = validateResponders(file.responders ?? [], checks)
        var responders = checked
        var grids = validateGrids(file.grids ?? [], responderIDs: responderIDs, checks)
        let gridIDs = Set(grids.map(\.id))
        validatePartTime(responders, gridIDs: gridIDs, grids: grids, duty: file.duty ?? [], policy: file.policy, checks)
        let duty = validateDuty(file.duty ?? [], gridIDs: gridIDs, responderIDs: responderIDs, checks)
        let points = validatePoints(file.points ?? [], gridIDs: gridIDs, checks)
        var sharedTargets: [String] = []
        let policy = validatePolicy(file.policy, responderIDs: responderIDs, shared: &sharedTargets, fail: checks.fail)

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

    private static func validateCategories(_ entries: [Category], _ checks: FileChecks) -> [Category] {
        var seen = Set<String>()
        for (index, category) in entries.enumerated() {
            let entry = FileChecks.label("category", index, category.id)
            checks.checkID(category.id, entry, &seen)
            if category.label.trimmingCharacters(in: .whitespaces).isEmpty { checks.fail(entry, "label", "is missing") }
        }
        if entries.isEmpty { checks.fail("community", "categories", "is missing: residents need at least one to pick") }
        return entries
    }

    /// The file's responders; an entry whose id repeats another is reported and still counted as known, so that the
    /// entries naming it are not reported twice.
    private static func validateResponders(
        _ entries: [CommunityFile.ResponderEntry], _ checks: FileChecks
    ) -> (responders: [Responder], ids: Set<String>) {
        var responders: [Responder] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let where_ = FileChecks.label("responder", index, entry.id)
            let id = checks.required(entry.id, where_, "id")
            checks.checkID(id, where_, &seen)
            guard let responder = checks.responder(entry, id: id, where_) else { continue }
            if responder.role == .street {
                checks.fail(where_, "role", "is 'street': street staff are defined once, in the street file")
                continue
            }
            responders.append(responder)
        }
        return (responders, seen)
    }

    /// Part-time grid workers report and are never paged: their grids must exist, and no grid, shift or step may count
    /// on one to answer.
    private static func validatePartTime(
        _ responders: [Responder], gridIDs: Set<String>, grids: [Grid], duty: [CommunityFile.DutyEntry], policy: CommunityFile.PolicyEntry?,
        _ checks: FileChecks
    ) {
        let partTime = Dictionary(responders.filter { $0.role == .partTime }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        guard !partTime.isEmpty else { return }
        for responder in responders where responder.role == .partTime {
            for grid in responder.grids where !gridIDs.contains(grid) {
                checks.fail("responder '\(responder.id)'", "grids", "names unknown grid '\(grid)'")
            }
        }
        for (index, grid) in grids.enumerated() {
            if let leader = grid.leaderID, partTime[leader] != nil {
                checks.fail(FileChecks.label("grid", index, grid.id), "leader", "names part-time grid worker '\(leader)', who is never paged")
            }
        }
        for (index, entry) in duty.enumerated() {
            if let responder = entry.responder, partTime[responder] != nil {
                checks.fail("duty #\(index + 1)", "responder", "names part-time grid worker '\(responder)', who is never on duty")
            }
        }
        for (index, step) in (policy?.steps ?? []).enumerated() {
            for target in step.notify ?? [] where partTime[target] != nil {
                checks.fail("policy", "steps[\(index)].notify", "names part-time grid worker '\(target)', who is never paged")
            }
        }
    }

    private static func validateGrids(_ entries: [CommunityFile.GridEntry], responderIDs: Set<String>, _ checks: FileChecks) -> [Grid] {
        var grids: [Grid] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let where_ = FileChecks.label("grid", index, entry.id)
            let id = checks.required(entry.id, where_, "id")
            checks.checkID(id, where_, &seen)
            let name = checks.required(entry.name, where_, "name")
            if let leader = entry.leader, !leader.isEmpty, !responderIDs.contains(leader) {
                checks.fail(where_, "leader", "names unknown responder '\(leader)'")
            }
            grids.append(Grid(id: id, name: name, leaderID: entry.leader?.isEmpty == false ? entry.leader : nil))
        }
        if grids.isEmpty { checks.fail("community", "grids", "is missing: every point belongs to a grid") }
        return grids
    }

    private static func validateDuty(
        _ entries: [CommunityFile.DutyEntry], gridIDs: Set<String>, responderIDs: Set<String>, _ checks: FileChecks
    ) -> [DutyShift] {
        var duty: [DutyShift] = []
        for (index, entry) in entries.enumerated() {
            let where_ = "duty #\(index + 1)"
            let grid = checks.required(entry.grid, where_, "grid")
            if !grid.isEmpty && !gridIDs.contains(grid) { checks.fail(where_, "grid", "names unknown grid '\(grid)'") }
            let responder = checks.required(entry.responder, where_, "responder")
            if !responder.isEmpty && !responderIDs.contains(responder) {
                checks.fail(where_, "responder", "names unknown responder '\(responder)'")
            }
            let daysText = entry.days ?? "mon-sun"
            let days = Weekdays.parse(daysText)
            if days == nil { checks.fail(where_, "days", "is '\(daysText)'; write e.g. mon-sun, mon-fri or sat,sun") }
            let fromText = checks.required(entry.from, where_, "from")
            let toText = checks.required(entry.to, where_, "to")
            let start = DutyShift.parseClock(fromText)
            let end = DutyShift.parseClock(toText)
            if start == nil && !fromText.isEmpty { checks.fail(where_, "from", "is '\(fromText)', not a time HH:MM") }
            if end == nil && !toText.isEmpty { checks.fail(where_, "to", "is '\(toText)', not a time HH:MM") }
            if let start, let end {
                if start == 1440 {
                    checks.fail(where_, "from", "is 24:00; a shift starts at 00:00 … 23:59")
                } else if start == end {
                    checks.fail(where_, "to", "equals 'from': an empty shift (write 00:00 to 24:00 for all day)")
                } else if end < start && end == 0 {
                    checks.fail(where_, "to", "is 00:00 before 'from'; write 24:00 for a shift that ends at midnight")
                }
            }
            if let days, let start, let end {
                duty.append(
                    DutyShift(
                        gridID: grid, responderID: responder, days: days, startMinute: start, endMinute: end,
                        backup: entry.backup ?? false))
            }
        }
        return duty
    }

    private static func validatePoints(_ entries: [CommunityFile.PointEntry], gridIDs: Set<String>, _ checks: FileChecks) -> [PointDraft] {
        var points: [PointDraft] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let where_ = FileChecks.label("point", index, entry.id)
            let id = checks.required(entry.id, where_, "id")
            checks.checkID(id, where_, &seen)
            let kindText = checks.required(entry.kind, where_, "kind")
            let kind = PointKind(rawValue: kindText)
            if (kind == nil || kind == .grid) && !kindText.isEmpty {
                checks.fail(where_, "kind", "is '\(kindText)', not one of statue, station, merchant")
            }
            let name = checks.required(entry.name, where_, "name")
            checks.printable(name, where_, "name")
            let grid = checks.required(entry.grid, where_, "grid")
            if !grid.isEmpty && !gridIDs.contains(grid) { checks.fail(where_, "grid", "names unknown grid '\(grid)'") }
            if let lat = entry.lat, !(-90...90).contains(lat) { checks.fail(where_, "lat", "is out of range") }
            if let lon = entry.lon, !(-180...180).contains(lon) { checks.fail(where_, "lon", "is out of range") }
            let services = (entry.services ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for service in services { checks.printable(service, where_, "services") }
            if let kind, kind != .grid {
                points.append(
                    PointDraft(
                        id: id, kind: kind, name: name, address: entry.address?.isEmpty == true ? nil : entry.address,
                        gridID: grid, latitude: entry.lat, longitude: entry.lon, services: services,
                        active: entry.active ?? true))
            }
        }
        return points
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

