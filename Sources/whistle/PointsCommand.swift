import ArgumentParser
import Foundation
import WhistleCore
import WhistleStore

struct PointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "List points and rotate their codes.",
        subcommands: [List.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List points with their QR URLs.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON for scripts.") var json = false
        @Flag(help: "Include deactivated points.") var all = false
        @Option(help: "Only the points of this community (by id).") var community: Int64?

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                let snapshot = try await store.snapshot()
                guard !snapshot.communities.isEmpty else { throw CLIError("no community yet: run `whistle import` first") }
                if let community, snapshot.communities[community] == nil { throw CLIError("no community \(community)") }
                let points = try await store.points(includeInactive: all, community: community)
                let verified = try await store.lastVerified()
                func url(_ point: Point) -> String { snapshot.community(of: point)?.url(for: point) ?? "" }
                if json {
                    let rows = points.map { point in
                        PointRow(
                            id: point.id, kind: point.kind.rawValue, name: point.name, grid: point.gridID, community: point.communityID,
                            code: point.code, url: url(point), active: point.active, last_verified: verified[point.id])
                    }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                } else {
                    // The community column only when there is more than one to tell apart.
                    let several = snapshot.communities.count > 1
                    let table = [(several ? ["COMMUNITY"] : []) + ["ID", "KIND", "GRID", "NAME", "VERIFIED", "URL"]]
                        + points.map {
                            (several ? [snapshot.community(of: $0)?.name ?? "?"] : [])
                                + [$0.id, $0.kind.rawValue + ($0.active ? "" : " (void)"), $0.gridID, $0.name,
                                   verified[$0.id].map(ShanghaiTime.display) ?? "never", url($0)]
                        }
                    print(TextTable.render(table), terminator: "")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a point a new code; its old plaque becomes void.")
        @Argument(help: "The point's id.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                let point = try await store.rotateCode(pointID: id)
                guard let community = try await store.community(id: point.communityID) else { throw CLIError("point '\(id)' has no community") }
                print("\(point.id): new code \(point.code); reprint its plaque: \(community.url(for: point))")
            }
        }
    }
}

struct PointRow: Encodable {
    var id, kind, name, grid: String
    var community: Int64
    var code, url: String
    var active: Bool
    /// When a patrol last saw its genuine plaque (`whistle scan --record`).
    var last_verified: Date?
}
