import Foundation

func freePort() -> Int {
    // Bind to port 0 and let the kernel choose, through Python (always present where the tests run).
    Int((try? sh("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"]))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 18080
}

/// A real `whistle serve` on loopback with the demo community (all channels `log`), stopped at the end.
final class LiveServer: @unchecked Sendable {
    let folder: URL
    let db: String
    let port: Int
    let process = Process()
    var base: String { "http://127.0.0.1:\(port)" }

    /// `street`: the street fixture (two communities) instead of the single community.
    /// `options`: more `whistle serve` options (limits); `prepare` runs on the imported database before serving.
    init(street: Bool = false, options: [String] = [], prepare: (String) throws -> Void = { _ in }) throws {
        folder = try temporaryFolder()
        db = folder.appendingPathComponent("live.sqlite").path
        port = freePort()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = street ? ["street/street.yaml", "street/community.yaml", "street/huaxin.yaml"] : ["community-single.yaml"]
        for name in files {
            let yaml = try String(contentsOf: root.appendingPathComponent("Tests/Fixtures/" + name), encoding: .utf8)
                .replacingOccurrences(of: #"(?m)^      - (webhook|wecom|dingtalk|feishu): .*$"#, with: "      - log: {}", options: .regularExpression)
                .replacingOccurrences(of: #"(?m)^        secret: .*\n"#, with: "", options: .regularExpression)
            try yaml.write(to: folder.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent), atomically: true, encoding: .utf8)
        }
        let file = folder.appendingPathComponent(URL(fileURLWithPath: files[0]).lastPathComponent)
        let imported = try whistle(["import", file.path, "--db", db])
        guard imported.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: imported.stderr]) }
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("whistle")
        if process.executableURL!.path.contains(".xctest/") {
            process.executableURL = process.executableURL!.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("whistle")
        }
        try prepare(db)
        process.arguments = ["serve", "--db", db, "--port", String(port)] + options
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if (try? sh("curl", ["-sf", base + "/healthz"])) == "ok\n" { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit { stop() }

    /// SIGTERM, and wait for it to end.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Submits the resident form for a point (with a photo file, if given); returns the status page path.
    func report(point code: String, category: String, description: String, photo: String? = nil) throws -> String {
        let form = try sh("curl", ["-s", base + "/p/" + code])
        let token = form.firstMatch(of: #/name="form_token" value="([^"]+)"/#).map { String($0.1) } ?? ""
        let headers = try sh(
            "curl",
            ["-s", "-o", "/dev/null", "-D", "-", "-F", "category=\(category)", "-F", "description=\(description)", "-F", "phone=13800000009",
                "-F", "website=", "-F", "form_token=\(token)"] + (photo.map { ["-F", "photo=@\($0);type=image/png"] } ?? []) + [base + "/p/" + code])
        return headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("location:") }.map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) } ?? ""
    }

    func code(_ pointID: String) throws -> String {
        let listing = try whistle(["points", "list", "--json", "--db", db]).stdout
        let points = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
        return points.first { $0["id"] as? String == pointID }?["code"] as? String ?? ""
    }
}

