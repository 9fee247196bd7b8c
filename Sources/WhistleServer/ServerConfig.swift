/// How the HTTP server runs; everything else comes in as parameters to `buildApplication`.
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
