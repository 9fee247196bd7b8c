import ArgumentParser
import Foundation
import WhistleCore
import WhistleQR
import WhistleStore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed the sample street and its communities (if the database is empty) and serve them, printing their URLs and a QR."
    )

    @Option(help: "SQLite database file or postgres:// URL.") var db = "demo.sqlite"
    @OptionGroup var listen: ListenOptions
    @Option(help: "The sample street file (or a single community file).") var file = "assets/demo/street.yaml"
    @Option(help: "Address printed into QR codes, e.g. http://192.168.1.20:8080 so a phone on the LAN can open it.")
    var baseURL: String?

    func run() async throws {
        let options = DatabaseOptions(db: db)
        let lock = try Server.serveLock(options.path(default: db))
        defer { lock?.release() }
        let store = try await options.open()
        // Where the demo's data is, as it may be printed: a PostgreSQL URL without its password.
        let shown = options.shown(default: db)
        try await oneLine {
            if try await store.isEmpty() {
                let address = baseURL ?? "http://\(listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host):\(listen.port)"
                // Every community is served from this address, and the sample's robots and webhooks are examples, not
                // real addresses: the demo logs each notification instead.
                func local(_ community: Community) -> Community {
                    var community = community
                    community.baseURL = nil
                    // Part-time grid workers are never paged: they keep no channel.
                    for index in community.responders.indices where community.responders[index].role != .partTime {
                        community.responders[index].channels = [.log]
                    }
                    return community
                }
                switch try CommunityLoader.loadAny(path: file) {
                case .community(var sample):
                    sample = local(sample)
                    sample.baseURL = address
                    try await store.importCommunity(sample)
                case .street(var street, let communities):
                    street.baseURL = address
                    for index in street.responders.indices { street.responders[index].channels = [.log] }
                    try await store.importStreet(street, communities: communities.map(local))
                }
                print("Seeded \(file) into \(shown).")
            } else {
                print("Using the communities already in \(shown) (\(store.isShared ? "empty the database" : "delete the file") to start afresh).")
            }
            let snapshot = try await store.snapshot()
            guard let first = snapshot.communityList.first else { throw CLIError("no community in \(shown)") }
            let points = try await store.points()
            var tokenFor: [String] = []
            for community in snapshot.communityList {
                print("\n\(community.name) (community \(community.id)) — open a point's page:")
                for point in points where point.communityID == community.id { print("  \(point.name)  \(community.url(for: point))") }
                // The first worker on the community's duty table, to try scopes with.
                if let worker = snapshot.roster.schedule.shifts.map(\.responderID).first(where: {
                    let responder = snapshot.roster.responders[$0]
                    return responder?.role == .gridWorker && responder?.communityID == community.id && responder?.active == true
                }) {
                    tokenFor.append(worker)
                }
            }
            if let statue = points.first(where: { $0.kind == .statue }) ?? points.first, let community = snapshot.community(of: statue) {
                print("\nScan the plaque of \(statue.name):\n")
                print(TerminalRenderer.render(try QRMatrix.encode(community.url(for: statue), level: .M)))
            }
            tokenFor += snapshot.roster.responders.values.filter { $0.role == .street && $0.active }.map(\.id).sorted().prefix(1)
            print("Notifications to responders appear below as log lines (the demo has no real robots).")
            for id in tokenFor {
                let who = snapshot.roster.responders[id].map { "\($0.name), \($0.role.rawValue)" } ?? id
                print("A token for \(who): whistle login --server \(first.baseURL) --token \(try await store.issueToken(responderID: id))")
            }
            // The phone pages: a sign-in link for the first worker, to open in a phone's browser (or this one).
            if let worker = tokenFor.first, let base = snapshot.roster.responders[worker].flatMap(snapshot.baseURL(for:)) {
                let link = base + "/r/login/" + (try await store.issueLoginLink(responderID: worker, lifetime: 86400, at: Date()))
                print("\nSign in as \(snapshot.roster.responders[worker]?.name ?? worker) on a phone (single use, 24 h; or `whistle responders login-link ID --db \(shown)`):")
                print("  \(link)")
                print(TerminalRenderer.render(try QRMatrix.encode(link, level: .M)))
            }
            // A part-time grid worker (兼职网格员), if the sample has one: reports from anywhere on their grids.
            if let helper = snapshot.roster.responders.values.filter({ $0.role == .partTime && $0.active }).min(by: { $0.id < $1.id }),
                let base = snapshot.baseURL(for: helper)
            {
                let link = base + "/r/login/" + (try await store.issueLoginLink(responderID: helper.id, lifetime: 86400, at: Date()))
                print("Sign in as the part-time grid worker \(helper.name) (随手拍, report from anywhere on their grids):")
                print("  \(link)\n")
            }
            print("Open311 (GeoReport v2): \(first.baseURL)/open311/v2/services.xml?jurisdiction_id=\(first.id)")
            print("  a key to file with: whistle integrations key NAME --community \(first.id) --db \(shown)\n")
            print("Health: http://\(listen.host):\(listen.port)/healthz — stop with Ctrl-C.\n")
            // The server logs to stderr from here on; show the URLs first even when stdout is a pipe.
            fflush(nil)
        }
        try await Server.run(store: store, listen: listen)
    }
}

extension DatabaseOptions {
    init(db: String) {
        self.init()
        self.db = db
    }
}
