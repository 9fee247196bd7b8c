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

        func run() async throws {
            try await oneLine {
                let store = try database.open()
                guard let community = try await store.community() else { throw CLIError("no community yet: run `whistle import` first") }
                let points = try await store.points(includeInactive: all)
                let verified = try await store.lastVerified()
                if json {
                    let rows = points.map { point in
                        PointRow(
                            id: point.id, kind: point.kind.rawValue, name: point.name, grid: point.gridID, code: point.code,
                            url: community.url(for: point), active: point.active, last_verified: verified[point.id])
                    }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                } else {
                    let table = [["ID", "KIND", "GRID", "NAME", "VERIFIED", "URL"]]
                        + points.map {
                            [$0.id, $0.kind.rawValue + ($0.active ? "" : " (void)"), $0.gridID, $0.name,
                             verified[$0.id].map(ShanghaiTime.display) ?? "never", community.url(for: $0)]
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
                let store = try database.open()
                guard let community = try await store.community() else { throw CLIError("no community yet: run `whistle import` first") }
                let point = try await store.rotateCode(pointID: id)
                print("\(point.id): new code \(point.code); reprint its plaque: \(community.url(for: point))")
            }
        }
    }
}

struct PointRow: Encodable {
    var id, kind, name, grid, code, url: String
    var active: Bool
    /// When a patrol last saw its genuine plaque (`whistle scan --record`).
    var last_verified: Date?
}
