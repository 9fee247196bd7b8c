import ArgumentParser
import Foundation
import WhistleImaging
import WhistleStore

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Check photos of installed plaques: genuine, void, foreign (fake sticker?) or unknown.",
        discussion: """
            Files or folders of JPEG, PNG or WebP photos as phones take them. Every QR code in each photo is decoded and judged \
            against the community. Exit status 1 unless every photo holds only genuine codes. With --record, each genuine \
            plaque gets a `verified` event at the photo's time (EXIF DateTimeOriginal, else the file's time). Works on the \
            local database (--db) or, with --server and --token (leader or secretary), through the server.
            """
    )

    @Argument(help: "Photos, or folders of photos.") var paths: [String]
    @Flag(help: "Print JSON for scripts.") var json = false
    @Flag(help: "Record genuine plaques as verified (patrol audit).") var record = false
    @Option(help: .init("SQLite database file or postgres:// URL (default: $WHISTLE_DB or ./whistle.sqlite).", valueName: "file|url")) var db: String?
    @Option(help: "A Whistle server, to check through its API instead of a local database.") var server: String?
    @Option(help: "Your API token for --server.") var token: String?

    struct Row: Encodable {
        var file: String
        var verdict: String
        var point_id: String?
        var point_name: String?
        var point_kind: String?
        var grid: String?
        var text: String?
        var detail: String
        var taken_at: Date?
        var recorded: Bool
    }

    func run() async throws {
        let rows = try await oneLine { () -> [Row] in
            let files = try Self.photos(in: paths)
            guard !files.isEmpty else { throw CLIError("no photos (JPEG, PNG, WebP) in \(paths.joined(separator: " "))") }
            let judge = try await Judge(db: db, server: server ?? ProcessInfo.processInfo.environment["WHISTLE_SERVER"], token: token)
            var rows: [Row] = []
            for file in files {
                let name = file.path
                let photo: PatrolPhoto
                do {
                    photo = try PatrolPhoto.load(path: name)
                } catch {
                    rows.append(Row(file: name, verdict: "unreadable", detail: "cannot read the photo: \(error)", recorded: false))
                    continue
                }
                let takenAt = photo.takenAt ?? ((try? FileManager.default.attributesOfItem(atPath: name))?[.modificationDate] as? Date) ?? Date()
                let texts = QRReader.decodeTrying(photo.grey)
                if texts.isEmpty {
                    rows.append(Row(
                        file: name, verdict: "no code found",
                        detail: "nothing decodes: the plaque may be faded, dirty or damaged; or retake closer, sharp, without glare",
                        taken_at: takenAt, recorded: false))
                    continue
                }
                for verdict in try await judge.check(texts, takenAt: takenAt, photo: file.lastPathComponent, record: record) {
                    rows.append(Row(
                        file: name, verdict: verdict.verdict.rawValue, point_id: verdict.pointID, point_name: verdict.pointName,
                        point_kind: verdict.pointKind, grid: verdict.grid, text: verdict.text, detail: verdict.detail, taken_at: takenAt,
                        recorded: record && verdict.verdict == .genuine))
                }
            }
            return rows
        }
        if json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            let style = Style.current
            let table = [["FILE", "VERDICT", "POINT", "DETAIL"]] + rows.map { row in
                [row.file, row.verdict == "genuine" ? row.verdict : style.red(row.verdict), row.point_name ?? "-", row.detail]
            }
            print(TextTable.render(table), terminator: "")
            let bad = rows.filter { $0.verdict != "genuine" }.count
            print(bad == 0 ? "\nall \(rows.count) genuine" + (record ? ", recorded as verified" : "") : "\n\(bad) of \(rows.count) need attention")
        }
        if rows.contains(where: { $0.verdict != "genuine" }) { throw ExitCode(1) }
    }

    /// Image files named directly, and those inside named folders (recursively), in a stable order.
    static func photos(in paths: [String]) throws -> [URL] {
        let kinds: Set<String> = ["jpg", "jpeg", "png", "webp"]
        var files: [URL] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw CLIError("no such file or folder: \(path)") }
            if isFolder.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                while let name = enumerator?.nextObject() as? String {
                    if kinds.contains((name as NSString).pathExtension.lowercased()) {
                        files.append(URL(fileURLWithPath: path).appendingPathComponent(name))
                    }
                }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// Judges codes locally (database) or through the server's API.
private struct Judge {
    let store: AppDatabase?
    let api: APIClient?

    init(db: String?, server: String?, token: String?) async throws {
        if let server, db == nil {
            guard let token = token ?? ProcessInfo.processInfo.environment["WHISTLE_TOKEN"] ?? RemoteConfig.load()?.token else {
                throw CLIError("--server needs --token (or $WHISTLE_TOKEN)")
            }
            store = nil
            api = APIClient(config: RemoteConfig(server: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")), token: token))
        } else {
            store = try await DatabaseOptions(db: db ?? ProcessInfo.processInfo.environment["WHISTLE_DB"] ?? "whistle.sqlite").open()
            api = nil
        }
    }

    func check(_ texts: [String], takenAt: Date, photo: String, record: Bool) async throws -> [PlaqueVerdict] {
        if let store {
            var verdicts: [PlaqueVerdict] = []
            for text in texts {
                let verdict = try await store.check(code: text)
                if record, verdict.verdict == .genuine, let point = verdict.pointID {
                    try await store.recordVerified(pointID: point, at: takenAt, photo: photo, by: "patrol")
                }
                verdicts.append(verdict)
            }
            return verdicts
        }
        let body: [String: Any] = ["codes": texts, "taken_at": ISO8601DateFormatter().string(from: takenAt), "photo": photo, "record": record]
        let data = try await api!.postJSON("/plaques/check", body)
        let decoder = JSONDecoder()
        return try decoder.decode([PlaqueVerdict].self, from: data)
    }
}
