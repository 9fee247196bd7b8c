/// An area of the community with its grid worker(s) and leader (网格).
public struct Grid: Codable, Sendable, Equatable, Identifiable {
    enum CodingKeys: String, CodingKey {
        case id
        case name
        case leaderID = "leader_id"
        case communityID = "community_id"
    }

    public var id: String
    public var name: String
    public var leaderID: String?
    public var communityID: Int64

    public init(id: String, name: String, leaderID: String?, communityID: Int64 = 1) {
        self.communityID = communityID
        self.id = id
        self.name = name
        self.leaderID = leaderID
    }
}
