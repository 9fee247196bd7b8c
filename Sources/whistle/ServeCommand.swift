import ArgumentParser
import Hummingbird
import Logging
import WhistleDispatch
import WhistleServer
import WhistleStore

/// Where the HTTP server listens.
struct ListenOptions: ParsableArguments {
    // Not `hostname` with a short flag: `-h` is help.
    @Option(help: "Address to listen on; 0.0.0.0 to let phones on the LAN reach it.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server and the dispatcher in one process."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let store = try database.open()
        guard try await store.community() != nil else {
            throw CLIError("the database \(database.path()) has no community yet: run `whistle import FILE.yaml` first")
        }
        try await Server.run(store: store, listen: listen)
    }
}

enum Server {
    static func run(store: AppDatabase, listen: ListenOptions, onReady: @escaping @Sendable () -> Void = {}) async throws {
        let logger = Logger(label: "whistle")
        let dispatcher = Dispatcher(database: store, logger: logger)
        let app = try await buildApplication(
            config: ServerConfig(host: listen.host, port: listen.port), database: store, services: [dispatcher], logger: logger)
        do {
            try await app.runService()
        } catch {
            throw CLIError("server stopped: \(error)")
        }
    }
}
