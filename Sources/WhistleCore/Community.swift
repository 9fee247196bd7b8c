import Foundation

/// A checked community: everything `whistle import` writes, consistent with itself.
public struct Community: Sendable, Equatable {
    public var name: String
    /// Printed into every QR code: `baseURL + "/p/" + code`. No trailing slash.
    public var baseURL: String
    public var categories: [Category]
    public var grids: [Grid]
    public var responders: [Responder]
    public var duty: [DutyShift]
    /// Points without codes yet: codes are the database's to keep, not the file's.
    public var points: [PointDraft]
    public var policy: EscalationPolicy

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
        var errors: [CommunityError] = []
        func fail(_ entry: String, _ field: String, _ problem: String) {
            errors.append(CommunityError(entry: entry, field: field, problem: problem))
        }
        func required(_ value: String?, _ entry: String, _ field: String) -> String {
            guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                fail(entry, field, "is missing")
                return ""
            }
            return value
        }
        /// Names and services are printed on plaques: no control characters or Unicode noncharacters.
        func printable(_ value: String, _ entry: String, _ field: String) {
            guard let bad = value.unicodeScalars.first(where: { $0.properties.isNoncharacterCodePoint || $0.properties.generalCategory == .control })
            else { return }
            let code = String(bad.value, radix: 16, uppercase: true)
            fail(entry, field, "contains U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code), which cannot be printed on a plaque")
        }
        func label(_ kind: String, _ index: Int, _ id: String?) -> String {
            if let id, !id.isEmpty { return "\(kind) '\(id)'" }
            return "\(kind) #\(index + 1)"
        }
        func checkID(_ id: String, _ entry: String, _ seen: inout Set<String>) {
            guard !id.isEmpty else { return }
            if id.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"#, options: .regularExpression) == nil {
                fail(entry, "id", "must be letters, digits, '-', '_' or '.' (at most 64)")
            } else if !seen.insert(id).inserted {
                fail(entry, "id", "is a duplicate: another entry already uses '\(id)'")
            }
        }

        let name = required(file.community, "community", "community")
        printable(name, "community", "community")
        var baseURL = required(file.base_url, "community", "base_url")
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        if !baseURL.isEmpty {
            if let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host?.isEmpty == false, url.query == nil, url.fragment == nil
            {
            } else {
                fail("community", "base_url", "must be an http(s) URL such as https://whistle.example.cn")
            }
        }

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
            let name = required(entry.name, where_, "name")
            let roleText = required(entry.role, where_, "role")
            let role = Role(rawValue: roleText)
            if role == nil && !roleText.isEmpty {
                fail(where_, "role", "is '\(roleText)', not one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var phone: String?
            if let raw = entry.phone, !raw.isEmpty {
                phone = Phone.normalize(raw)
                if phone == nil { fail(where_, "phone", "is not a mainland mobile number (11 digits starting with 1)") }
            }
            var channels: [Channel] = []
            for (channelIndex, channel) in (entry.channels ?? []).enumerated() {
                let field = "channels[\(channelIndex)]"
                guard channel.kinds.count == 1, let (kind, target) = channel.kinds.first else {
                    fail(where_, field, "must name exactly one of webhook, wecom, dingtalk, feishu, log")
                    continue
                }
                func url() -> String? {
                    guard let target, let url = URL(string: target), let scheme = url.scheme?.lowercased(),
                        ["http", "https"].contains(scheme), url.host != nil
                    else {
                        fail(where_, field, "\(kind) needs an http(s) URL")
                        return nil
                    }
                    return target
                }
                switch kind {
                case "webhook":
                    guard let address = url() else { continue }
                    guard let secret = channel.secret, !secret.isEmpty else {
                        fail(where_, "\(field).secret", "is missing: webhooks are signed")
                        continue
                    }
                    channels.append(.webhook(url: address, secret: secret))
                case "wecom":
                    if let address = url() { channels.append(.wecom(url: address)) }
                case "dingtalk":
                    if let address = url() { channels.append(.dingtalk(url: address, secret: channel.secret)) }
                case "feishu":
                    if let address = url() { channels.append(.feishu(url: address, secret: channel.secret)) }
                case "log":
                    channels.append(.log)
                default:
                    fail(where_, field, "has unknown kind '\(kind)' (webhook, wecom, dingtalk, feishu, log)")
                }
            }
            if let role {
                responders.append(Responder(id: id, name: name, phone: phone, role: role, channels: channels))
            }
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

        let policy = validatePolicy(file.policy, responderIDs: responderIDs, fail: fail)

        guard errors.isEmpty else { return .failure(CommunityErrors(errors: errors)) }
        return .success(
            Community(
                name: name, baseURL: baseURL, categories: categories, grids: grids, responders: responders, duty: duty,
                points: points, policy: policy))
    }

    private static func validatePolicy(
        _ entry: CommunityFile.PolicyEntry?, responderIDs: Set<String>, fail: (String, String, String) -> Void
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
            if targets.isEmpty { fail("policy", "\(field).notify", "is missing: name on_duty, backup, grid_leader, secretary or a responder id") }
            for case .responder(let id) in targets where !responderIDs.contains(id) {
                fail("policy", "\(field).notify", "names '\(id)', neither a role (on_duty, backup, grid_leader, secretary) nor a responder")
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
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
