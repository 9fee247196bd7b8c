import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a channel's request; the production one is async-http-client, a test may count or fail calls.
public protocol HTTPTransport: Sendable {
    func send(_ request: ChannelRequest, timeout: Duration) async throws -> (status: Int, headers: [(String, String)], body: Data)
}

/// async-http-client with a deadline on every request: a hung robot never holds the dispatcher.
public struct AsyncHTTPTransport: HTTPTransport {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func send(_ request: ChannelRequest, timeout: Duration) async throws -> (status: Int, headers: [(String, String)], body: Data) {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .POST
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let seconds = timeout.components.seconds
        let response = try await client.execute(outgoing, timeout: .seconds(seconds))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, Data(body.readableBytesView))
    }
}
