import Foundation
import WhistleCore
import WhistleStore

/// An Open311 `POST requests` body, read and checked before anything is stored (#18). Every refusal is the spec's
/// 400 with a sentence a client author can act on; nothing here touches the database.
enum Open311Submission {
    /// The fields Whistle reads; anything else (a `[]` key, an unknown attribute) is refused rather than ignored, so a
    /// client never believes it sent something Whistle kept.
    static let known: Set<String> = [
        "api_key", "jurisdiction_id", "service_code", "attribute[point]", "address_id", "lat", "long", "address_string",
        "description", "phone", "media_url", "first_name", "last_name", "email", "device_id", "account_id",
    ]

    /// The urlencoded body as one value per name. Bad percent-encoding, a repeated name or an unknown one → 400.
    static func parse(_ body: String) throws(Open311Error) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) throws(Open311Error) -> String {
                guard let text = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw .badRequest("the body is not valid application/x-www-form-urlencoded UTF-8")
                }
                return text
            }
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            guard known.contains(name) else {
                if name.hasPrefix("attribute[") {
                    throw .badRequest("unknown attribute '\(name.prefix(60))': the only attribute is attribute[point]")
                }
                throw .badRequest("unknown field '\(name.prefix(60))'")
            }
            guard fields[name] == nil else { throw .badRequest("\(name) is given more than once") }
            fields[name] = value
        }
        return fields
    }

    /// What a checked submission files.
    struct Checked {
        var pointID: String
        var category: String
        var description: String
        var phone: String?
        var mediaURL: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var deviceID: String?
        var accountID: String?
    }

    static let whyAPoint =
        "Whistle files a report at a plaque's point: send attribute[point] (its values are in services/{service_code}.xml) or address_id; a lat/long or address_string alone cannot be placed"

    /// The fields against the community's services and points (`lookup`, the snapshot's), by the resident form's rules.
    static func check(_ fields: [String: String], community: CommunityInfo, point lookup: (String) -> Point?) -> Result<Checked, Open311Error> {
        func present(_ name: String) -> String? {
            guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        guard let code = present("service_code") else { return .failure(.badRequest("service_code is required (see services.xml)")) }
        guard community.categories.contains(where: { $0.id == code }) else {
            return .failure(.badRequest("service_code '\(code.prefix(50))' is not a service of \(community.name) (see services.xml)"))
        }

        // The point: the attribute, or address_id; both must agree.
        let attribute = present("attribute[point]")
        let addressID = present("address_id")
        if let attribute, let addressID, attribute != addressID {
            return .failure(.badRequest("attribute[point] '\(attribute.prefix(50))' and address_id '\(addressID.prefix(50))' name different points"))
        }
        guard let pointID = attribute ?? addressID else { return .failure(.badRequest(whyAPoint)) }
        guard let point = lookup(pointID), point.communityID == community.id else {
            return .failure(.badRequest("point '\(pointID.prefix(50))' is not a point of \(community.name) (see services/\(code).xml)"))
        }
        guard point.active else { return .failure(.badRequest("point '\(point.id)' is no longer in use")) }
        guard !point.isGridPlace else {
            return .failure(.badRequest("point '\(point.id)' is a grid, not a plaque: choose a value of attribute[point]"))
        }

        guard let raw = fields["description"] else { return .failure(.badRequest("description is required: what is the problem?")) }
        guard let description = ReportFields.clean(raw) else { return .failure(.badRequest("description holds control characters")) }
        guard !description.isEmpty else { return .failure(.badRequest("description is required: what is the problem?")) }
        guard TextLimit.fits(description, characters: ReportLimits.maxOpen311Description) else {
            return .failure(.badRequest("description is longer than \(ReportLimits.maxOpen311Description) characters"))
        }
        // A tag starts right after `<` (`<b>`, `</p>`, `<!--`); `a < b and c > d` is plain text.
        if description.firstMatch(of: /<\/?[A-Za-z!?][^>]*>/) != nil {
            return .failure(.badRequest("description is plain text: HTML is not accepted"))
        }

        // Clients such as FixMyStreet send the place as well: it is checked, but the report is filed at the point's own.
        for name in ["lat", "long"] {
            guard let raw = present(name) else { continue }
            let limit = name == "lat" ? 90.0 : 180.0
            guard let value = Double(raw), value.isFinite, abs(value) <= limit else {
                return .failure(.badRequest("\(name) must be a number from -\(Int(limit)) to \(Int(limit))"))
            }
        }
        if let raw = present("address_string"), ReportFields.clean(raw) == nil || !TextLimit.fits(raw, characters: 500) {
            return .failure(.badRequest("address_string must be text of at most 500 characters"))
        }

        var checked = Checked(pointID: point.id, category: code, description: description)
        if let raw = present("phone") {
            guard let phone = Phone.normalize(raw) else { return .failure(.badRequest("phone is not a mainland mobile number (11 digits, 1…)")) }
            checked.phone = phone
        }
        if let raw = present("media_url") {
            guard raw.count <= 2000, let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false
            else { return .failure(.badRequest("media_url must be an http(s) URL of at most 2000 characters")) }
            checked.mediaURL = raw
        }
        if let raw = present("email") {
            guard raw.count <= 254, raw.contains("@"), !raw.contains(where: \.isWhitespace), ReportFields.clean(raw) == raw else {
                return .failure(.badRequest("email is not an email address"))
            }
            checked.email = raw
        }
        for (name, limit, keyPath) in [
            ("first_name", 50, \Checked.firstName), ("last_name", 50, \Checked.lastName), ("device_id", 100, \Checked.deviceID),
            ("account_id", 100, \Checked.accountID),
        ] as [(String, Int, WritableKeyPath<Checked, String?>)] {
            guard let raw = present(name) else { continue }
            guard let text = ReportFields.clean(raw), !text.contains("\n"), TextLimit.fits(text, characters: limit) else {
                return .failure(.badRequest("\(name) must be one line of at most \(limit) characters"))
            }
            checked[keyPath: keyPath] = text
        }
        return .success(checked)
    }
}
