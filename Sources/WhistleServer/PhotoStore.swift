import Foundation
import WhistleImaging
import WhistleStore

/// Residents' photos on disk, beside the database and outside anything served: named by the server, metadata gone.
struct PhotoStore: Sendable {
    let directory: String

    /// Sanitises and writes a photo; returns its id (the file name). The file is durable before the report commits.
    func save(_ bytes: [UInt8]) throws -> String {
        let photo = try Photo.sanitize(bytes)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let id = Secret.generate(bytes: 16) + ".jpg"
        let url = URL(fileURLWithPath: directory).appendingPathComponent(id)
        try photo.jpeg.write(to: url, options: [.atomic])
        // Data.write(.atomic) renames into place; fsync the file so a crash cannot leave a report pointing at nothing.
        let handle = try FileHandle(forWritingTo: url)
        try handle.synchronize()
        try handle.close()
        return id
    }

    func url(of id: String) -> URL? {
        // Ids are ours: base32 and ".jpg"; anything else is not a photo we stored.
        guard id.range(of: #"^[a-z2-9]{26}\.jpg$"#, options: .regularExpression) != nil else { return nil }
        return URL(fileURLWithPath: directory).appendingPathComponent(id)
    }
}
