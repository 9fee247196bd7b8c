import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WhistleAPI

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Live feed of new and changed reports; rings the bell on a new report for me.")
    @OptionGroup var remote: RemoteOptions
    @Option(help: .hidden) var maxEvents: Int?

    func run() async throws {
        let config = try await oneLine { try remote.resolve() }
        // Someone who answers for several communities (a department, the street) is told which one each event is in.
        let me = try await oneLine { try RemoteReport.decoder.decode(MeDTO.self, from: try await APIClient(config: config).get("/me")) }
        let namesCommunity = me.community == nil
        let style = Style.current
        var lastID: String?
        var seen = 0
        var delay = 1.0
        while true {
            do {
                var request = HTTPClientRequest(url: config.server + "/api/v1/events")
                request.headers.add(name: "Authorization", value: "Bearer \(config.token)")
                request.headers.add(name: "Accept", value: "text/event-stream")
                if let lastID { request.headers.add(name: "Last-Event-ID", value: lastID) }
                let response = try await CLIHTTP.client.execute(request, timeout: .hours(24 * 365))
                if response.status.code == 401 { throw CLIError("bad token: run `whistle login` with a new token") }
                guard response.status.code == 200 else { throw StreamError.status(Int(response.status.code)) }
                if delay == 1 && lastID == nil { FileHandle.standardErrorWrite("watching \(config.server) — Ctrl-C to stop\n") }
                delay = 1
                var buffer = ""
                var event: (id: String?, kind: String?, data: String) = (nil, nil, "")
                for try await chunk in response.body {
                    buffer += String(buffer: chunk)
                    while let newline = buffer.firstIndex(of: "\n") {
                        let line = String(buffer[..<newline])
                        buffer.removeSubrange(...newline)
                        if line.isEmpty {
                            if let kind = event.kind, !event.data.isEmpty {
                                lastID = event.id ?? lastID
                                show(kind: kind, data: event.data, style: style, namesCommunity: namesCommunity)
                                seen += 1
                                if let maxEvents, seen >= maxEvents {
                                    await CLIHTTP.shutdown()
                                    return
                                }
                            }
                            event = (nil, nil, "")
                        } else if line.hasPrefix("id:") {
                            event.id = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                        } else if line.hasPrefix("event:") {
                            event.kind = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
                        } else if line.hasPrefix("data:") {
                            event.data += line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                        }
                    }
                }
                throw StreamError.closed
            } catch let error as CLIError {
                await CLIHTTP.shutdown()
                throw error
            } catch {
                // The server went away or the network dropped: come back with backoff, resuming after the last event.
                FileHandle.standardErrorWrite("connection lost (\(APIClient.describe(error))); retrying in \(Int(delay)) s\n")
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            }
        }
    }

    enum StreamError: Error { case status(Int), closed }

    private func show(kind: String, data: String, style: Style, namesCommunity: Bool) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return }
        let number = object["number"] as? String ?? "?"
        var point = object["point"] as? String ?? ""
        if namesCommunity, let community = object["community_name"] as? String, !community.isEmpty { point = community + " · " + point }
        let category = object["category"] as? String ?? ""
        let actor = (object["actor"] as? String).map { " by \($0)" } ?? ""
        let at = (object["at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }.map(Shanghai.display) ?? ""
        let line = "\(at)  \(number)  \(kind)\(actor)  \(point) \(category)"
        if kind == "created" {
            // A new report where I answer: ring the terminal bell.
            print("\u{07}" + style.bold(line))
        } else {
            print(kind == "breached" ? style.red(line) : line)
        }
        fflush(nil)
    }
}
