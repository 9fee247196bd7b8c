/// What a responder does, which decides who is notified and what they may see.
public enum Role: String, Codable, Sendable, CaseIterable {
    case gridWorker = "grid_worker"
    case gridLeader = "grid_leader"
    case secretary
    case department
    case merchant
    case property
    /// Street-office staff (街道): see every community, act anywhere, receive a policy's `street` steps.
    case street
    /// A part-time grid worker (兼职网格员), e.g. a courier who passes every corner daily: reports what they see on the
    /// grids they pass through and follows their own reports; never paged, never acts on a report.
    case partTime = "part_time"
}

/// One way to reach a responder.
public enum Channel: Codable, Sendable, Equatable {
    /// Signed JSON POST (X-Whistle-Signature).
    case webhook(url: String, secret: String)
    /// 企业微信 group robot; the key in the URL is the secret.
    case wecom(url: String)
    /// 钉钉 custom robot, signed.
    case dingtalk(url: String, secret: String?)
    /// 飞书 custom bot, signed.
    case feishu(url: String, secret: String?)
    /// A log line, for the demo.
    case log

    public var kind: String {
        switch self {
        case .webhook: "webhook"
        case .wecom: "wecom"
        case .dingtalk: "dingtalk"
        case .feishu: "feishu"
        case .log: "log"
        }
    }
}

/// A person or department that answers reports.
public struct Responder: Codable, Sendable, Equatable, Identifiable {
    enum CodingKeys: String, CodingKey {
        case id
        case name
        case phone
        case role
        case channels
        case active
        case communityID = "community_id"
        case grids
        case employer
    }

    public var id: String
    public var name: String
    /// Never shown unmasked to other responders or written to logs.
    public var phone: String?
    public var role: Role
    public var channels: [Channel]
    public var active: Bool
    /// The community whose file defines the responder; nil for the street file (departments and street staff shared
    /// by every community). It decides where `secretary` and `grid_leader` resolve and whom a leader oversees.
    public var communityID: Int64?
    /// A part-time grid worker's grids: where they may report (empty for every other role).
    public var grids: [String]
    /// A part-time grid worker's employer, e.g. a courier company (顺丰), named beside them; nil for others.
    public var employer: String?

    public init(
        id: String, name: String, phone: String? = nil, role: Role, channels: [Channel] = [], active: Bool = true,
        communityID: Int64? = 1, grids: [String] = [], employer: String? = nil
    ) {
        self.communityID = communityID
        self.grids = grids
        self.employer = employer
        self.id = id
        self.name = name
        self.phone = phone
        self.role = role
        self.channels = channels
        self.active = active
    }
}

extension Responder {
    /// Rows and documents written before part-time grid workers have no `grids`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        role = try container.decode(Role.self, forKey: .role)
        channels = try container.decode([Channel].self, forKey: .channels)
        active = try container.decode(Bool.self, forKey: .active)
        communityID = try container.decodeIfPresent(Int64.self, forKey: .communityID)
        grids = try container.decodeIfPresent([String].self, forKey: .grids) ?? []
        employer = try container.decodeIfPresent(String.self, forKey: .employer)
    }

    /// Whether this responder may report a problem found on `gridID` (an active part-time worker who passes there).
    public func mayReport(inGrid gridID: String) -> Bool {
        active && role == .partTime && grids.contains(gridID)
    }

    /// How a finder is named to responders: "兼职网格员 徐超 (顺丰)"; never with their phone.
    public func finderLabel(role roleName: String) -> String {
        "\(roleName) \(name)" + (employer.map { " (\($0))" } ?? "")
    }
}

extension Channel {
    /// The robot's or webhook's address; nil for `log`.
    public var address: String? {
        switch self {
        case .webhook(let url, _), .wecom(let url), .dingtalk(let url, _), .feishu(let url, _): url
        case .log: nil
        }
    }

    /// Identifies the channel across re-imports: its kind and a hash of its address (not its secret, so rotating a
    /// secret keeps pending steps on their channel).
    public var ref: String {
        guard let address else { return kind }
        // FNV-1a, 64 bits: stable across processes and platforms, unlike `hashValue`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in address.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return kind + ":" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The channel a row planned for `ref` at `index` goes to now, or nil when it is no longer configured.
    /// Rows from before channel identities were stored carry only the kind: the channel at `index` if it is
    /// still of that kind, else the first of that kind.
    public static func find(ref: String, index: Int, in channels: [Channel]) -> Channel? {
        if ref.contains(":") { return channels.first { $0.ref == ref } }
        if channels.indices.contains(index), channels[index].kind == ref { return channels[index] }
        return channels.first { $0.kind == ref }
    }
}
