/// The community file as written (see `assets/demo/community.yaml`), before any check.
///
/// Every field is optional here so that a missing one is reported by `Community.validate`
/// with the entry and field named, rather than as a decoder's path.
public struct CommunityFile: Decodable, Sendable {
    public struct GridEntry: Decodable, Sendable {
        public var id: String?
        public var name: String?
        public var leader: String?
    }

    public struct ChannelEntry: Decodable, Sendable {
        /// The channel kind and its address, e.g. `("webhook", "http://…")`; `log` has no address.
        public var kinds: [(kind: String, target: String?)]
        public var secret: String?

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            secret = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "secret"))
            kinds = container.allKeys.filter { $0.stringValue != "secret" }.map { key in
                (key.stringValue, try? container.decode(String.self, forKey: key))
            }
        }
    }

    public struct ResponderEntry: Decodable, Sendable {
        public var id: String?
        public var name: String?
        public var role: String?
        public var phone: String?
        public var channels: [ChannelEntry]?
        /// Part-time grid workers only: the grids they pass through, and who employs them.
        public var grids: [String]?
        public var employer: String?
    }

    public struct DutyEntry: Decodable, Sendable {
        public var grid: String?
        public var responder: String?
        public var days: String?
        public var from: String?
        public var to: String?
        public var backup: Bool?
    }

    public struct PointEntry: Decodable, Sendable {
        public var id: String?
        public var kind: String?
        public var name: String?
        public var grid: String?
        public var address: String?
        public var lat: Double?
        public var lon: Double?
        public var services: [String]?
        public var active: Bool?
    }

    public struct StepEntry: Decodable, Sendable {
        public var after: String?
        public var notify: [String]?
    }

    public struct PolicyEntry: Decodable, Sendable {
        public var promise: String?
        public var steps: [StepEntry]?
        public var after_breach_every: String?
        public var after_breach_repeats: Int?
        public var resolve_within: String?
        public var digest_at: String?
    }

    /// Which community of the street this file is; omitted in a one-community deployment (then 1).
    public var id: Int64?
    public var community: String?
    public var base_url: String?
    /// Kept in file order by the loader: the order residents see the tiles in.
    public var categories: [Category]?
    public var grids: [GridEntry]?
    public var responders: [ResponderEntry]?
    public var duty: [DutyEntry]?
    public var points: [PointEntry]?
    public var policy: PolicyEntry?

    enum CodingKeys: String, CodingKey {
        case id, community, base_url, grids, responders, duty, points, policy
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id)
        community = try container.decodeIfPresent(String.self, forKey: .community)
        base_url = try container.decodeIfPresent(String.self, forKey: .base_url)
        grids = try container.decodeIfPresent([GridEntry].self, forKey: .grids)
        responders = try container.decodeIfPresent([ResponderEntry].self, forKey: .responders)
        duty = try container.decodeIfPresent([DutyEntry].self, forKey: .duty)
        points = try container.decodeIfPresent([PointEntry].self, forKey: .points)
        policy = try container.decodeIfPresent(PolicyEntry.self, forKey: .policy)
    }
}

/// A kind of problem a resident can pick (漏水, 消防隐患 …).
public struct Category: Codable, Sendable, Equatable {
    public var id: String
    public var label: String

    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }
}
