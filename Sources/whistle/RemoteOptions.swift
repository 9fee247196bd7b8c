import ArgumentParser
import AsyncHTTPClient
import Foundation
import Synchronization
import NIOCore
import NIOHTTP1

/// `--server URL --token T`, else `$WHISTLE_SERVER` / `$WHISTLE_TOKEN`, else `~/.config/whistle/config.json` (from `whistle login`).
struct RemoteOptions: ParsableArguments {
    @Option(help: "The community's Whistle server, e.g. https://whistle.example.cn.") var server: String?
    @Option(help: "Your API token (from `whistle responders token ID`).") var token: String?
    @Flag(help: "Print JSON for scripts.") var json = false

    func resolve() throws -> RemoteConfig {
        let environment = ProcessInfo.processInfo.environment
        let saved = RemoteConfig.load()
        guard let server = server ?? environment["WHISTLE_SERVER"] ?? saved?.server else {
            throw CLIError("no server: run `whistle login --server URL --token T` or pass --server")
        }
        guard let token = token ?? environment["WHISTLE_TOKEN"] ?? saved?.token else {
            throw CLIError("no token: run `whistle login --server URL --token T` or pass --token")
        }
        return RemoteConfig(server: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")), token: token)
    }
}

/// What `whistle login` stores.
struct RemoteConfig: Codable {
    var server: String
    var token: String

    static var path: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/whistle/config.json"
    }

    static func load() -> RemoteConfig? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(RemoteConfig.self, from: data)
    }

    /// Writes the file as its owner's alone from the first byte: created 0600 under a temporary name in a 0700
    /// folder, then renamed over the old one, so the token is never readable by others, not even for a moment.
    func save() throws {
        let url = URL(fileURLWithPath: Self.path)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let temporary = folder.appendingPathComponent(".config.json.\(getpid())").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CLIError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0, rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError("cannot write \(url.path): \(reason)")
        }
    }
}

/// The responder API from the command line; every failure becomes one clear sentence.
/// The CLI's HTTP client: a refused or unreachable server fails after 3 s, not after the request deadline. Made when
/// a command first talks to a server and shut down when the command ends (`oneLine`), so no connection or thread is
/// left behind.
enum CLIHTTP {
    private static let current = Mutex<HTTPClient?>(nil)

    static var client: HTTPClient {
        current.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.timeout.connect = .seconds(3)
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            client = made
            return made
        }
    }

    static func shutdown() async {
        guard let client = current.withLock({ client in defer { client = nil }; return client }) else { return }
        try? await client.shutdown()
    }
}

struct APIClient {
    let config: RemoteConfig
    let client = CLIHTTP.client

    func get(_ path: String) async throws -> Data {
        try await send(.GET, path, body: nil)
    }

    func post(_ path: String, _ body: [String: String] = [:]) async throws -> Data {
        try await send(.POST, path, body: try JSONSerialization.data(withJSONObject: body))
    }

    func postJSON(_ path: String, _ body: [String: Any]) async throws -> Data {
        try await send(.POST, path, body: try JSONSerialization.data(withJSONObject: body))
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> Data {
        var request = HTTPClientRequest(url: config.server + "/api/v1" + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(config.token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(15))
        } catch {
            throw CLIError("cannot reach \(config.server): \(Self.describe(error))")
        }
        let bytes = try await response.body.collect(upTo: 8 << 20)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let problem = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let detail = problem["detail"] as? String ?? "HTTP \(response.status.code)"
            switch response.status.code {
            case 401: throw CLIError("bad token: \(detail) (run `whistle login` with a new token)")
            case 403: throw CLIError("not allowed: \(detail)")
            case 404: throw CLIError(detail)
            default: throw CLIError(detail)
            }
        }
        return data
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectTimeout") || text.contains("Connection refused") || text.contains("connect(") { return "connection refused or timed out" }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}
