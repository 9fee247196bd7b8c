import ArgumentParser
import Foundation
import WhistleCore
import WhistleQR
import WhistleStore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seed the sample community (if the database is empty) and serve it, printing its URLs and a QR."
    )

    @Option(help: "SQLite database file.") var db = "demo.sqlite"
    @OptionGroup var listen: ListenOptions
    @Option(help: "The sample community file.") var community = "assets/demo/community.yaml"
    @Option(help: "Address printed into QR codes, e.g. http://192.168.1.20:8080 so a phone on the LAN can open it.")
    var baseURL: String?

    func run() async throws {
        let store = try DatabaseOptions(db: db).open()
        try await oneLine {
            if try await store.isEmpty() {
                var sample = try CommunityLoader.load(path: community)
                sample.baseURL = baseURL ?? "http://\(listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host):\(listen.port)"
                // The sample's robots and webhooks are examples, not real addresses: the demo logs each notification instead.
                for index in sample.responders.indices { sample.responders[index].channels = [.log] }
                try store.importCommunity(sample)
                print("Seeded \(sample.name) from \(community) into \(db).")
            } else {
                print("Using the community already in \(db) (delete the file to start afresh).")
            }
            guard let info = try await store.community() else { throw CLIError("no community in \(db)") }
            let points = try await store.points()
            print("\n\(info.name) — open a point's page:")
            for point in points { print("  \(point.name)  \(info.url(for: point))") }
            if let statue = points.first(where: { $0.kind == .statue }) ?? points.first {
                print("\nScan the plaque of \(statue.name):\n")
                print(TerminalRenderer.render(try QRMatrix.encode(info.url(for: statue), level: .M)))
            }
            print("Notifications to responders appear below as log lines (the demo has no real robots).")
            print("A responder token for the CLI: whistle login --server \(info.baseURL) --token \(try await store.issueToken(responderID: "r-zhao"))")
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
