import CCairo
import Foundation
import Testing
import WhistleImaging

/// Paints `plaque` (a PNG) into a larger, noisy scene as a phone photo would frame it: scaled, turned, off-centre.
private func scene(plaque: URL, scale: Double, degrees: Double, size: (Int32, Int32) = (1600, 1200), seed: UInt64) throws -> [UInt8] {
    let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size.0, size.1)!
    defer { cairo_surface_destroy(surface) }
    let cr = cairo_create(surface)!
    defer { cairo_destroy(cr) }
    var random = seed
    func next() -> Double {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return Double(random >> 11) / Double(1 << 53)
    }
    cairo_set_source_rgb(cr, 0.55, 0.5, 0.45)
    cairo_paint(cr)
    // A wall of bricks and shadows: texture a reader must ignore.
    for _ in 0..<400 {
        let grey = 0.3 + next() * 0.5
        cairo_set_source_rgb(cr, grey, grey * 0.95, grey * 0.9)
        cairo_rectangle(cr, next() * Double(size.0), next() * Double(size.1), 10 + next() * 80, 5 + next() * 30)
        cairo_fill(cr)
    }
    if let image = cairo_image_surface_create_from_png(plaque.path), cairo_surface_status(image) == CAIRO_STATUS_SUCCESS {
        defer { cairo_surface_destroy(image) }
        let width = Double(cairo_image_surface_get_width(image))
        let height = Double(cairo_image_surface_get_height(image))
        cairo_save(cr)
        cairo_translate(cr, Double(size.0) * 0.45, Double(size.1) * 0.5)
        cairo_rotate(cr, degrees * .pi / 180)
        cairo_scale(cr, scale, scale)
        cairo_translate(cr, -width / 2, -height / 2)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
        cairo_paint(cr)
        cairo_restore(cr)
    }
    let png = FileManager.default.temporaryDirectory.appendingPathComponent("scene-\(UUID()).png")
    defer { try? FileManager.default.removeItem(at: png) }
    cairo_surface_write_to_png(surface, png.path)
    return [UInt8](try Data(contentsOf: png))
}

/// A JPEG with an EXIF block: orientation, and DateTimeOriginal in the Exif sub-IFD.
private func withEXIF(_ jpeg: [UInt8], orientation: UInt16, taken: String) -> [UInt8] {
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
    var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(8)
    tiff += le16(2) + le16(0x0112) + le16(3) + le32(1) + le16(Int(orientation)) + le16(0)
    tiff += le16(0x8769) + le16(4) + le32(1) + le32(38) + le32(0)
    tiff += le16(1) + le16(0x9003) + le16(2) + le32(20) + le32(56) + le32(0)
    tiff += Array(taken.utf8) + [0]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    return Array(jpeg[0..<2]) + [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload + Array(jpeg[2...])
}

/// Turns a PNG a quarter turn anticlockwise, as a phone held sideways stores it (its EXIF then says "rotate 90° to view").
private func quarterTurn(_ png: [UInt8]) throws -> [UInt8] {
    let source = FileManager.default.temporaryDirectory.appendingPathComponent("q-\(UUID()).png")
    try Data(png).write(to: source)
    defer { try? FileManager.default.removeItem(at: source) }
    let image = cairo_image_surface_create_from_png(source.path)!
    defer { cairo_surface_destroy(image) }
    let width = cairo_image_surface_get_width(image)
    let height = cairo_image_surface_get_height(image)
    let turned = cairo_image_surface_create(CAIRO_FORMAT_RGB24, height, width)!
    defer { cairo_surface_destroy(turned) }
    let cr = cairo_create(turned)!
    cairo_translate(cr, 0, Double(width))
    cairo_rotate(cr, -.pi / 2)
    cairo_set_source_surface(cr, image, 0, 0)
    cairo_paint(cr)
    cairo_destroy(cr)
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID()).png")
    defer { try? FileManager.default.removeItem(at: out) }
    cairo_surface_write_to_png(turned, out.path)
    return [UInt8](try Data(contentsOf: out))
}

private func jpeg(_ png: [UInt8]) throws -> [UInt8] { [UInt8](try Photo.sanitize(png).jpeg) }

@Suite("whistle scan: patrol photos of plaques", .serialized)
struct ScanTests {
    @Test("genuine, rotated-away, fake sticker, unknown code and blank photos each get their verdict; --record shows in points list")
    func verdicts() async throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let yaml = try String(contentsOf: root.appendingPathComponent("Tests/Fixtures/community-single.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "base_url: http://127.0.0.1:8080", with: "base_url: https://whistle.example.cn")
        try yaml.write(to: folder.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        #expect(try whistle(["import", folder.appendingPathComponent("c.yaml").path, "--db", db]).status == 0)
        let plaques = folder.appendingPathComponent("plaques")
        #expect(try whistle(["plaques", "--all", "--format", "png", "--dpi", "150", "--out", plaques.path, "--db", db]).status == 0)
        // The north gate's code is rotated after printing: its plaque on the wall is now void.
        #expect(try whistle(["points", "rotate", "station-guard-north", "--db", db]).status == 0)

        let photos = folder.appendingPathComponent("patrol")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: photos.appendingPathComponent(name)) }
        try write("1-statue.jpg", try jpeg(try scene(plaque: plaques.appendingPathComponent("statue-south-gate.png"), scale: 0.9, degrees: 7, seed: 1)))
        let sideways = try quarterTurn(try scene(plaque: plaques.appendingPathComponent("merchant-pharmacy.png"), scale: 1.0, degrees: -4, seed: 2))
        try write("2-pharmacy.jpg", withEXIF(try jpeg(sideways), orientation: 6, taken: "2026:11:20 10:15:00"))
        try write("3-north-gate.png", try scene(plaque: plaques.appendingPathComponent("station-guard-north.png"), scale: 0.8, degrees: 0, seed: 3))
        let stickers = folder.appendingPathComponent("stickers")
        try FileManager.default.createDirectory(at: stickers, withIntermediateDirectories: true)
        let fake = stickers.appendingPathComponent("fake.png")
        #expect(try whistle(["qr", "https://whist1e.example.cn/p/SH814KX6QFSM7", "--format", "png", "--scale", "6", "--out", fake.path]).status == 0)
        try write("4-sticker.jpg", try jpeg(try scene(plaque: fake, scale: 1.2, degrees: 3, seed: 4)))
        let unknown = stickers.appendingPathComponent("unknown.png")
        #expect(try whistle(["qr", "https://whistle.example.cn/p/ZZZZZZZZZZZZZ", "--format", "png", "--scale", "6", "--out", unknown.path]).status == 0)
        try write("5-unknown.jpg", try jpeg(try scene(plaque: unknown, scale: 1.0, degrees: -2, seed: 5)))
        try write("6-blank.jpg", try jpeg(try scene(plaque: folder.appendingPathComponent("none.png"), scale: 1, degrees: 0, seed: 6)))

        let run = try whistle(["scan", photos.path, "--json", "--record", "--db", db])
        #expect(run.status == 1, "exit 1 when anything is not genuine")
        let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
        var verdicts: [String: String] = [:]
        for row in rows { verdicts[(row["file"] as? String ?? "").components(separatedBy: "/").last ?? ""] = row["verdict"] as? String }
        #expect(verdicts == [
            "1-statue.jpg": "genuine", "2-pharmacy.jpg": "genuine", "3-north-gate.png": "void", "4-sticker.jpg": "foreign",
            "5-unknown.jpg": "unknown", "6-blank.jpg": "no code found",
        ], "\(run.stdout) \(run.stderr)")
        let sticker = rows.first { ($0["file"] as? String ?? "").hasSuffix("4-sticker.jpg") }
        let stickerDetail = sticker?["detail"] as? String ?? ""
        #expect(stickerDetail.contains("LOOK-ALIKE"))
        #expect(rows.first { ($0["file"] as? String ?? "").hasSuffix("1-statue.jpg") }?["point_id"] as? String == "statue-south-gate")

        let table = try whistle(["scan", photos.path, "--db", db], environment: ["NO_COLOR": "1"])
        #expect(table.stdout.contains("红哨塑像（南门）"))
        #expect(table.stdout.contains("4 of 6 need attention"))

        // --record: the pharmacy at its EXIF time (Shanghai), the statue at the file's time.
        let listing = try whistle(["points", "list", "--json", "--db", db]).stdout
        let points = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
        let pharmacy = points.first { $0["id"] as? String == "merchant-pharmacy" }
        #expect(pharmacy?["last_verified"] as? String == "2026-11-20T02:15:00Z")
        #expect(points.first { $0["id"] as? String == "statue-south-gate" }?["last_verified"] != nil)
        #expect(points.first { $0["id"] as? String == "station-service-centre" }?["last_verified"] == nil)
        #expect(try whistle(["points", "list", "--db", db]).stdout.contains("never"))
    }

    @Test("all genuine: exit 0; a missing path: a one-line error")
    func exitStatus() async throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("x.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        #expect(try whistle(["import", root.appendingPathComponent("Tests/Fixtures/community-single.yaml").path, "--db", db]).status == 0)
        let plaques = folder.appendingPathComponent("plaques")
        #expect(try whistle(["plaques", "--point", "statue-south-gate", "--format", "png", "--dpi", "120", "--out", plaques.path, "--db", db]).status == 0)
        let ok = try whistle(["scan", plaques.appendingPathComponent("statue-south-gate.png").path, "--db", db])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("all 1 genuine"))
        let missing = try whistle(["scan", folder.appendingPathComponent("nope.jpg").path, "--db", db])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("whistle: no such file or folder"))
    }
}
