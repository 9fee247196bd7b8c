import Foundation
import Testing
import WhistleServer

/// The server finds its templates beside its binary or where `WHISTLE_RESOURCES` says, never in a checkout it
/// happened to be built in (#19).
@Suite("Server resources")
struct ServerResourcesTests {
    @Test("beside the running binary: the test binary's own build folder")
    func besideTheBinary() throws {
        let found = try ServerResources.directory(environment: [:])
        #expect(found.lastPathComponent == ServerResources.folderName)
        #expect(FileManager.default.fileExists(atPath: found.appendingPathComponent("Templates/layout.mustache").path))
    }

    @Test("WHISTLE_RESOURCES wins; a folder without the templates is an error naming where it looked")
    func override() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-resources-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: try ServerResources.directory(environment: [:]), to: copy)
        #expect(try ServerResources.directory(environment: [ServerResources.environmentKey: copy.path]).path == copy.path)

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        // An override naming an empty folder falls through to the binary's own folder, which holds them.
        #expect(try ServerResources.directory(environment: [ServerResources.environmentKey: empty.path]).lastPathComponent == ServerResources.folderName)
        // A binary copied somewhere on its own (no resources beside it) does not find a checkout's: it says where it looked.
        let lone = empty.appendingPathComponent("whistle").path
        do {
            _ = try ServerResources.directory(environment: [:], executable: lone)
            Issue.record("a lone binary found resources")
        } catch let missing as ServerResources.Missing {
            #expect(missing.looked == [empty.appendingPathComponent(ServerResources.folderName).path])
            #expect(missing.description.contains("WHISTLE_RESOURCES"))
        }
    }
}
