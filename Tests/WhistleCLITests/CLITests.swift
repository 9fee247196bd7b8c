import Foundation
import Testing

/// The built `whistle` binary, next to the test bundle.
let binary: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
    return directory.appendingPathComponent("whistle")
}()

let root: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
    return url
}()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

func whistle(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// Runs a tool from the system (curl, zbarimg, sqlite3 …) and returns its standard output.
@discardableResult
func sh(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

@Suite("whistle import, points, qr")
struct CLITests {
    let reference = root.appendingPathComponent("Tests/Fixtures/community-single.yaml").path

    @Test("import twice: the second run reports no changes")
    func importTwice() throws {
        let db = try temporaryFolder().appendingPathComponent("x.sqlite").path
        let first = try whistle(["import", reference, "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("points: 4 created"))
        let second = try whistle(["import", reference, "--db", db])
        #expect(second.status == 0)
        #expect(second.stdout.contains("no changes"))
    }

    @Test("a broken file is refused in one line naming the entry, and the database is unchanged")
    func refused() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let before = try whistle(["points", "list", "--json", "--db", db]).stdout
        let broken = folder.appendingPathComponent("broken.yaml")
        try String(contentsOfFile: reference, encoding: .utf8).replacingOccurrences(of: "name: 北门门卫室\n    grid: g2", with: "name: 北门门卫室\n    grid: g7")
            .write(to: broken, atomically: true, encoding: .utf8)
        let run = try whistle(["import", broken.path, "--db", db])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("whistle: "))
        #expect(run.stderr.contains("point 'station-guard-north': field 'grid' names unknown grid 'g7'"))
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(try whistle(["points", "list", "--json", "--db", db]).stdout == before)
    }

    @Test("--db, else $WHISTLE_DB")
    func databaseFromEnvironment() throws {
        let db = try temporaryFolder().appendingPathComponent("env.sqlite").path
        #expect(try whistle(["import", reference], environment: ["WHISTLE_DB": db]).status == 0)
        let list = try whistle(["points", "list"], environment: ["WHISTLE_DB": db])
        #expect(list.stdout.contains("statue-south-gate"))
        #expect(list.stdout.contains("http://127.0.0.1:8080/p/"))
    }

    @Test("points rotate gives a new code; an unknown point is a one-line error")
    func rotate() throws {
        let db = try temporaryFolder().appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let before = try whistle(["points", "list", "--json", "--db", db]).stdout
        let run = try whistle(["points", "rotate", "statue-south-gate", "--db", db])
        #expect(run.status == 0)
        #expect(run.stdout.contains("new code"))
        #expect(try whistle(["points", "list", "--json", "--db", db]).stdout != before)
        let missing = try whistle(["points", "rotate", "nope", "--db", db])
        #expect(missing.status == 1)
        #expect(missing.stderr == "whistle: point 'nope' not found\n")
    }

    @Test("qr prints a terminal code, and refuses what cannot be encoded")
    func qr() throws {
        let run = try whistle(["qr", "https://whistle.example.cn/p/X"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("▀") || run.stdout.contains("▄"))
        let tooLong = try whistle(["qr", String(repeating: "x", count: 5000)])
        #expect(tooLong.status == 1)
        #expect(tooLong.stderr.contains("too long"))
    }

    @Test("a database in a missing folder is a one-line error")
    func badDatabase() throws {
        let run = try whistle(["points", "list", "--db", "/nonexistent/x.sqlite"])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("whistle: cannot use database /nonexistent/x.sqlite"))
    }
}
