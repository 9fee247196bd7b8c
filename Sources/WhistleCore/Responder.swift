/// What a responder does, which decides who is notified and what they may see.
public enum Role: String, Codable, Sendable, CaseIterable {
    case gridWorker = "grid_worker"
    case gridLeader = "grid_leader"
    case secretary
    case department
    case merchant
    case property
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
    }

    public var id: String
    public var name: String
    /// Never shown unmasked to other responders or written to logs.
    public var phone: String?
    public var role: Role
    public var channels: [Channel]
    public var active: Bool

    public init(id: String, name: String, phone: String? = nil, role: Role, channels: [Channel] = [], active: Bool = true) {
        self.id = id
        self.name = name
        self.phone = phone
        self.role = role
        self.channels = channels
        self.active = active
    }
}
