import Foundation
import WhistleCore
import WhistleStore

/// A fresh database file in its own temp folder.
func temporaryDatabase() throws -> (AppDatabase, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("test.sqlite").path
    return (try AppDatabase.open(path: path), path)
}

/// The reference community file shipped with the demo.
func referenceYAML() throws -> String {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return try String(contentsOf: url.appendingPathComponent("assets/demo/community.yaml"), encoding: .utf8)
}

/// A moment given in Asia/Shanghai local time.
func local(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text + "+08:00")!
}

/// Imports the reference community.
func seeded() throws -> (AppDatabase, String) {
    let (database, path) = try temporaryDatabase()
    try database.importCommunity(try CommunityLoader.parse(try referenceYAML()))
    return (database, path)
}
