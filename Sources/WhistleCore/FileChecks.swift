import Foundation

/// The checks every Whistle file shares (community and street): each problem is collected with its entry and field,
/// so that one run names them all.
final class FileChecks {
    private(set) var errors: [CommunityError] = []

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

    static func label(_ kind: String, _ index: Int, _ id: String?) -> String {
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

    /// The address printed into QR codes, without a trailing slash; nil (and a problem noted) when it is not one.
    func baseURL(_ text: String, _ entry: String) -> String? {
        var baseURL = text.trimmingCharacters(in: .whitespaces)
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        if baseURL.isEmpty { return nil }
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false, url.query == nil, url.fragment == nil
        else {
            fail(entry, "base_url", "must be an http(s) URL such as https://whistle.example.cn")
            return nil
        }
        return baseURL
    }

    /// A responder entry (community or street file) with its channels checked; nil when its role is unusable.
    func responder(_ entry: CommunityFile.ResponderEntry, id: String, _ where_: String, defaultRole: Role? = nil) -> Responder? {
        if id == NotifyTarget.street.text {
            fail(where_, "id", "is 'street', which a policy step reads as the street office's staff; choose another id")
        }
        let name = required(entry.name, where_, "name")
        let roleText: String
        if entry.role == nil, let defaultRole {
            roleText = defaultRole.rawValue
        } else {
            roleText = required(entry.role, where_, "role")
        }
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
        guard let role else { return nil }
        var grids: [String] = []
        var employer: String?
        if role == .partTime {
            // Never paged: the office reaches them by phone, and they sign in on it.
            if entry.channels?.isEmpty == false { fail(where_, "channels", "part-time grid workers are not paged; remove it") }
            if entry.phone?.isEmpty != false { fail(where_, "phone", "is missing: the office reaches part-time grid workers by phone") }
            grids = (entry.grids ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
            if grids.isEmpty { fail(where_, "grids", "is missing: name the grids this worker passes through") }
            if let text = entry.employer?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                printable(text, where_, "employer")
                employer = text
            }
        } else {
            if entry.grids != nil { fail(where_, "grids", "is only for role part_time") }
            if entry.employer != nil { fail(where_, "employer", "is only for role part_time") }
        }
        return Responder(id: id, name: name, phone: phone, role: role, channels: channels, grids: grids, employer: employer)
    }
}
