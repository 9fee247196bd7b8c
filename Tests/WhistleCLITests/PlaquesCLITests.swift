import Foundation
import Testing

/// What zbarimg reads from a plaque file, rasterising SVG and PDF first as a print would.
private func decode(_ file: URL) throws -> [String] {
    var image = file
    switch file.pathExtension {
    case "svg":
        image = file.deletingPathExtension().appendingPathExtension("svg.png")
        _ = try sh("rsvg-convert", ["-o", image.path, file.path])
    case "pdf":
        let prefix = file.deletingPathExtension().path + "-page"
        _ = try sh("pdftoppm", ["-r", "150", "-png", "-singlefile", file.path, prefix])
        image = URL(fileURLWithPath: prefix + ".png")
    default: break
    }
    return try sh("zbarimg", ["--nodbus", "--raw", "-q", image.path]).split(separator: "\n").map(String.init)
}

@Suite("whistle plaques and qr")
struct PlaquesCLITests {
    let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/community-single.yaml").path

    @Test("every point's plaque, in every format, scans to its URL as listed by points list", arguments: ["svg", "png", "pdf"])
    func plaques(format: String) throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let listing = try whistle(["points", "list", "--json", "--db", db]).stdout
        let points = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
        #expect(points.count == 4)
        let out = folder.appendingPathComponent("plaques")
        let run = try whistle(["plaques", "--all", "--format", format, "--out", out.path, "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        for point in points {
            let id = try #require(point["id"] as? String)
            let url = try #require(point["url"] as? String)
            #expect(try decode(out.appendingPathComponent("\(id).\(format)")) == [url], "\(id).\(format)")
        }
    }

    @Test("a rotated point's reprinted plaque carries the new code")
    func reprint() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        #expect(try whistle(["points", "rotate", "statue-south-gate", "--db", db]).status == 0)
        let listing = try whistle(["points", "list", "--json", "--db", db]).stdout
        let points = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
        let url = try #require(points.first { $0["id"] as? String == "statue-south-gate" }?["url"] as? String)
        let out = folder.appendingPathComponent("plaques")
        #expect(try whistle(["plaques", "--point", "statue-south-gate", "--format", "png", "--out", out.path, "--db", db]).status == 0)
        #expect(try decode(out.appendingPathComponent("statue-south-gate.png")) == [url])
    }

    @Test("an A4 sheet of the whole community")
    func sheet() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let run = try whistle(["plaques", "--all", "--format", "pdf", "--sheet", "a4", "--out", folder.path, "--db", db])
        #expect(run.status == 0)
        #expect(run.stdout.contains("4 plaques on 1 A4 pages"))
        #expect(try decode(folder.appendingPathComponent("plaques-a4.pdf")).count == 4)
    }

    @Test("a character no font has is printed anyway, with a warning naming the file and the character")
    func missingGlyph() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        // U+10FFFD is a private-use character: no font this machine installs draws it.
        let community = try String(contentsOfFile: reference, encoding: .utf8).replacingOccurrences(of: "惠民大药房", with: "惠民\u{10FFFD}药房")
        let file = folder.appendingPathComponent("community.yaml")
        try community.write(to: file, atomically: true, encoding: .utf8)
        #expect(try whistle(["import", file.path, "--db", db]).status == 0)
        let out = folder.appendingPathComponent("plaques")
        let run = try whistle(["plaques", "--all", "--format", "svg", "--out", out.path, "--db", db])
        #expect(run.status == 0)
        let path = out.appendingPathComponent("merchant-pharmacy.svg").path
        #expect(run.stderr == "warning: \(path): no font has \u{10FFFD} (U+10FFFD); it prints as a gap or a box — change the text in the community file\n")
        #expect(run.stdout.contains(path))
    }

    @Test("bad plaque requests are one clear line")
    func refusals() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        #expect(try whistle(["import", reference, "--db", db]).status == 0)
        let unknown = try whistle(["plaques", "--point", "nope", "--format", "svg", "--out", folder.path, "--db", db])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "whistle: unknown point 'nope'\n")
        let sheetSVG = try whistle(["plaques", "--all", "--format", "svg", "--sheet", "a4", "--out", folder.path, "--db", db])
        #expect(sheetSVG.status != 0)
        #expect(sheetSVG.stderr.contains("--sheet a4 needs --format pdf"))
    }

    @Test("a Chinese QR from `whistle qr` decodes to exactly its UTF-8 bytes")
    func chineseQR() throws {
        let file = try temporaryFolder().appendingPathComponent("zh.png")
        let text = "群众吹哨，服务报到"
        #expect(try whistle(["qr", text, "--format", "png", "--out", file.path, "--ecc", "H"]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zbarimg", "--nodbus", "--raw", "-q", "-Sbinary", file.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(data == Data(text.utf8))
    }
}
