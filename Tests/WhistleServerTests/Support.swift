import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import WhistleCore
import WhistleImaging
import WhistleQR
import WhistleServer
import WhistleStore
import WhistleTestSupport

/// A temp database with the reference community, optionally edited first (the shared fixture).
func seededDatabase(_ edit: (String) -> String = { $0 }) async throws -> AppDatabase {
    try await seeded(edit).0
}

/// The reference community plus r-sun, a grid worker who serves g2 only.
func apiDatabase() async throws -> AppDatabase {
    try await seededDatabase { yaml in
        yaml.replacingOccurrences(of: "  - id: r-li\n", with: "  - id: r-sun\n    name: 孙网格员\n    role: grid_worker\n    channels:\n      - log: {}\n  - id: r-li\n")
            .replacingOccurrences(of: "duty:                                    # who answers a grid, when; backup answers at step 2\n",
                with: "duty:\n  - { grid: g2, responder: r-sun, days: mon-sun, from: \"00:00\", to: \"24:00\" }\n")
    }
}

/// A clock the test moves by hand.
final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00+08:00")!) {
        current = start
    }

    func now() -> Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A clock that moves a millisecond each time it is read, like the system clock between two reads.
final class TickingClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()

    func now() -> Date {
        lock.withLock {
            current += 0.001
            return current
        }
    }
}

func testApp(
    _ database: AppDatabase, clock: any WallClock = ManualClock(), config: ServerConfig = ServerConfig(),
    notifier: @escaping @Sendable () -> Void = {}
) async throws -> some ApplicationProtocol {
    var config = config
    // A manual clock keeps the scenario's own date; the database's clock is today's (HealthTests check the skew).
    if clock is ManualClock { config.maxClockSkew = nil }
    return try await buildApplication(config: config, database: database, clock: clock, notifier: notifier)
}

/// Counts how often the app woke the dispatcher.
final class WakeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func wake() { lock.withLock { count += 1 } }
}

/// The hidden form token from a rendered form.
func formToken(_ html: String) -> String? {
    guard let match = html.firstMatch(of: #/name="form_token" value="([^"]+)"/#) else { return nil }
    return String(match.1)
}

/// A multipart body as a browser sends the resident form.
func multipart(_ fields: [(String, String)], photo: [UInt8]? = nil, boundary: String = "----whistleTestBoundary") -> ByteBuffer {
    var buffer = ByteBuffer()
    for (name, value) in fields {
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }
    buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_0001.jpg\"\r\n")
    buffer.writeString("Content-Type: image/jpeg\r\n\r\n")
    if let photo { buffer.writeBytes(photo) }
    buffer.writeString("\r\n--\(boundary)--\r\n")
    return buffer
}

extension HTTPFields {
    static func multipart(boundary: String = "----whistleTestBoundary") -> HTTPFields {
        [.contentType: "multipart/form-data; boundary=\(boundary)"]
    }

    static let urlencoded: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
}

/// The query string value `k` of a status-page location.
func statusKey(_ location: String) -> String? {
    URLComponents(string: location)?.queryItems?.first { $0.name == "k" }?.value
}

/// A JPEG as a phone writes it: an EXIF segment with a GPS-looking `marker` right after the start-of-image marker.
func phoneJPEG(width: Int, height: Int, marker: String) throws -> [UInt8] {
    let png = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID()).png")
    defer { try? FileManager.default.removeItem(at: png) }
    try PNGRenderer.write(try QRMatrix.encode("photo"), path: png.path, scale: max(1, width / 29))
    let plain = [UInt8](try Photo.sanitize([UInt8](try Data(contentsOf: png))).jpeg)
    var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
    tiff += Array(marker.utf8)
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return Array(plain[0..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(plain[2...])
}
