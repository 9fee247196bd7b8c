import CCairo
import Foundation
import Testing
import WhistleCore
import WhistleQR

private let plaques: [Plaque] = [
    Plaque(kind: .statue, name: "红哨塑像（南门）", community: "晨宇社区", url: "https://whistle.example.cn/p/SH814KX6QFSM7", code: "SH814KX6QFSM7"),
    Plaque(kind: .station, name: "北门门卫室", community: "晨宇社区", url: "https://whistle.example.cn/p/3P6WS9W4P36MP", code: "3P6WS9W4P36MP"),
    Plaque(
        kind: .merchant, name: "惠民大药房", community: "晨宇社区", services: ["免费测血压", "应急药品", "饮用热水"],
        url: "https://whistle.example.cn/p/JM7GE7TDP8JZY", code: "JM7GE7TDP8JZY"),
]

private func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("whistle-plaques-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Re-photographs a PNG badly: shrunk to `pixelsPerModule`, turned a few degrees, and blurred by a
/// second resampling, the way a worn plaque looks on a cheap phone from a step away.
private func degrade(_ source: URL, to destination: URL, scale: Double, degrees: Double) throws {
    guard let image = cairo_image_surface_create_from_png(source.path), cairo_surface_status(image) == CAIRO_STATUS_SUCCESS else {
        throw Decoder.Failure(description: "cannot read \(source.path)")
    }
    defer { cairo_surface_destroy(image) }
    let width = Double(cairo_image_surface_get_width(image))
    let height = Double(cairo_image_surface_get_height(image))
    func resample(_ input: OpaquePointer, width: Double, height: Double, factor: Double, rotate: Double) -> OpaquePointer {
        let outWidth = Int32((width * factor).rounded(.up)) + 40
        let outHeight = Int32((height * factor).rounded(.up)) + 40
        let output = cairo_image_surface_create(CAIRO_FORMAT_RGB24, outWidth, outHeight)!
        let cr = cairo_create(output)!
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85)
        cairo_paint(cr)
        cairo_translate(cr, Double(outWidth) / 2, Double(outHeight) / 2)
        cairo_rotate(cr, rotate * .pi / 180)
        cairo_scale(cr, factor, factor)
        cairo_translate(cr, -width / 2, -height / 2)
        cairo_set_source_surface(cr, input, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
        cairo_paint(cr)
        cairo_destroy(cr)
        return output
    }
    let small = resample(image, width: width, height: height, factor: scale, rotate: degrees)
    defer { cairo_surface_destroy(small) }
    // Up again by 2 with bilinear filtering: soft edges, as an out-of-focus photo.
    let blurred = resample(
        small, width: Double(cairo_image_surface_get_width(small)), height: Double(cairo_image_surface_get_height(small)), factor: 2,
        rotate: 0)
    defer { cairo_surface_destroy(blurred) }
    #expect(cairo_surface_write_to_png(blurred, destination.path) == CAIRO_STATUS_SUCCESS)
}

@Suite("Plaques")
struct PlaqueTests {
    @Test("every kind in every format decodes to exactly the point's URL", arguments: plaques.map(\.kind), PlaqueFormat.allCases)
    func decodes(kind: PointKind, format: PlaqueFormat) throws {
        let plaque = try #require(plaques.first { $0.kind == kind })
        let file = try folder().appendingPathComponent("\(kind.rawValue).\(format.rawValue)")
        try PlaqueRenderer.render(plaque, format: format, path: file.path)
        #expect(try Decoder.decode(file: file) == [plaque.url])
    }

    @Test("a PNG plaque is 90 × 125 mm at its dpi and its code is at least 30 mm wide")
    func physicalSize() throws {
        let file = try folder().appendingPathComponent("statue.png")
        try PlaqueRenderer.render(plaques[0], format: .png, path: file.path, dpi: 300)
        let image = try #require(cairo_image_surface_create_from_png(file.path))
        defer { cairo_surface_destroy(image) }
        let pxPerMM = 300 / 25.4
        #expect(abs(Double(cairo_image_surface_get_width(image)) - 90 * pxPerMM) <= 1)
        #expect(abs(Double(cairo_image_surface_get_height(image)) - 125 * pxPerMM) <= 1)
        // The finder pattern's dark extent, measured on the pixels: version and modules come from the matrix.
        let matrix = try QRMatrix.encode(plaques[0].url, level: .H)
        let stride = Int(cairo_image_surface_get_stride(image))
        let data = try #require(cairo_image_surface_get_data(image))
        let width = Int(cairo_image_surface_get_width(image))
        let height = Int(cairo_image_surface_get_height(image))
        func dark(_ x: Int, _ y: Int) -> Bool {
            // Black, not the red border: every channel low.
            (0..<3).allSatisfy { data[y * stride + x * 4 + $0] < 128 }
        }
        // Scan the middle band of the plaque for the widest run of rows holding dark QR modules.
        var left = width
        var right = 0
        for y in (height * 35 / 100)..<(height * 80 / 100) {
            for x in 0..<width where dark(x, y) {
                left = min(left, x)
                right = max(right, x)
            }
        }
        let symbolMM = Double(right - left + 1) / pxPerMM
        let withQuietZoneMM = symbolMM * Double(matrix.size + 8) / Double(matrix.size)
        #expect(symbolMM >= 30, "symbol is \(symbolMM) mm")
        #expect(withQuietZoneMM <= 62.5)
    }

    @Test("a worn, tilted, blurred photo of a plaque still decodes", arguments: [(0.22, 3.0), (0.16, -5.0)])
    func degraded(scale: Double, degrees: Double) throws {
        let dir = try folder()
        let original = dir.appendingPathComponent("statue.png")
        try PlaqueRenderer.render(plaques[0], format: .png, path: original.path, dpi: 300)
        let worn = dir.appendingPathComponent("worn.png")
        try degrade(original, to: worn, scale: scale, degrees: degrees)
        #expect(try Decoder.decode(file: worn) == [plaques[0].url])
    }

    @Test("an A4 sheet holds four plaques a page, each decodes")
    func sheet() throws {
        let file = try folder().appendingPathComponent("sheet.pdf")
        let five = plaques + plaques.prefix(2).map { plaque in
            var copy = plaque
            copy.url += "X"
            return copy
        }
        try PlaqueRenderer.renderSheet(five, path: file.path)
        let info = String(decoding: try Decoder.run("pdfinfo", [file.path]), as: UTF8.self)
        #expect(info.contains(#/Pages:\s+2\n/#))
        #expect(info.contains("595.276 x 841.89 pts (A4)"))
        #expect(Set(try Decoder.decode(file: file)) == Set(five.map(\.url)))
    }

    @Test("the printed domain is the URL's host")
    func domain() {
        #expect(plaques[0].domain == "whistle.example.cn")
        var local = plaques[0]
        local.url = "http://127.0.0.1:8080/p/X"
        #expect(local.domain == "127.0.0.1:8080")
    }

    @Test("a QR PNG has exactly scale pixels per module and decodes")
    func qrPNG() throws {
        let file = try folder().appendingPathComponent("qr.png")
        let matrix = try QRMatrix.encode("https://whistle.example.cn/p/SH814KX6QFSM7", level: .M)
        try PNGRenderer.write(matrix, path: file.path, scale: 5)
        let image = try #require(cairo_image_surface_create_from_png(file.path))
        defer { cairo_surface_destroy(image) }
        #expect(Int(cairo_image_surface_get_width(image)) == (matrix.size + 8) * 5)
        #expect(try Decoder.decode(file: file) == ["https://whistle.example.cn/p/SH814KX6QFSM7"])
        // A 1-bit greyscale file, and every pixel is its module's colour (quiet zone white).
        let header = try #require(try PNGChunks(file).first { $0.type == "IHDR" }?.data)
        #expect(header[8] == 1 && header[9] == 0, "bit depth \(header[8]), colour type \(header[9])")
        let stride = Int(cairo_image_surface_get_stride(image))
        let data = try #require(cairo_image_surface_get_data(image))
        var wrong = 0
        for y in 0..<Int(cairo_image_surface_get_height(image)) {
            for x in 0..<Int(cairo_image_surface_get_width(image)) {
                let dark = matrix[x / 5 - 4, y / 5 - 4]
                if (data[y * stride + x * 4] == 0) != dark { wrong += 1 }
            }
        }
        #expect(wrong == 0)
    }

    @Test("an SVG plaque is well-formed, 90 × 125 mm, its text outlined glyphs that all resolve", arguments: plaques)
    func svgStructure(plaque: Plaque) throws {
        let file = try folder().appendingPathComponent("plaque.svg")
        try PlaqueRenderer.render(plaque, format: .svg, path: file.path)
        // Checked by Python's XML parser, not by the code that wrote it.
        let script = """
            import sys, xml.etree.ElementTree as ET
            ns = {"s": "http://www.w3.org/2000/svg"}
            root = ET.parse(sys.argv[1]).getroot()
            ids = {p.get("id") for p in root.findall("s:defs/s:path", ns)}
            uses = [u.get("{http://www.w3.org/1999/xlink}href") for u in root.iter("{http://www.w3.org/2000/svg}use")]
            missing = [u for u in uses if u[1:] not in ids]
            texts = list(root.iter("{http://www.w3.org/2000/svg}text"))
            xs = [float(u.get("x")) for u in root.iter("{http://www.w3.org/2000/svg}use")]
            exact = sum(1 for x in xs if x != round(x))
            print(root.get("width"), root.get("height"), root.get("viewBox"), len(ids), len(uses), len(missing), len(texts), exact, sep="|")
            """
        let report = String(decoding: try Decoder.run("python3", ["-c", script, file.path]), as: UTF8.self)
        let fields = report.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        try #require(fields.count == 8, "\(report)")
        #expect(fields.prefix(3) == ["90mm", "125mm", "0 0 90 125"])
        let (defined, placed, missing, texts) = (Int(fields[3]) ?? 0, Int(fields[4]) ?? 0, Int(fields[5]) ?? -1, Int(fields[6]) ?? -1)
        // Glyphs sit where Pango measured them, not rounded to whole millimetres (which printed
        // the domain as "whist le.exam ple.cn").
        let unrounded = Int(fields[7]) ?? 0
        #expect(unrounded > placed * 3 / 4, "\(unrounded) of \(placed) glyphs off whole millimetres")
        // Every character of the name, code and domain is drawn; a glyph is defined once however often it is used.
        let printed = (plaque.name + plaque.code + plaque.domain).filter { !$0.isWhitespace }
        #expect(placed >= printed.count)
        #expect(defined < placed)
        #expect(missing == 0)
        #expect(texts == 0)
    }

    @Test("an SVG plaque looks like the same plaque drawn by cairo", arguments: plaques)
    func svgMatchesCairo(plaque: Plaque) throws {
        // Cairo's PDF, like our SVG, draws the code at its exact vector size, so the two rasterise alike.
        let dir = try folder()
        let svg = dir.appendingPathComponent("plaque.svg")
        let pdf = dir.appendingPathComponent("plaque.pdf")
        try PlaqueRenderer.render(plaque, format: .svg, path: svg.path)
        try PlaqueRenderer.render(plaque, format: .pdf, path: pdf.path)
        let fromSVG = dir.appendingPathComponent("svg.png")
        try Decoder.run("rsvg-convert", ["--dpi-x", "127", "--dpi-y", "127", "-o", fromSVG.path, svg.path])
        try Decoder.run("pdftoppm", ["-r", "127", "-png", "-singlefile", pdf.path, dir.appendingPathComponent("pdf").path])
        let fromPDF = dir.appendingPathComponent("pdf.png")
        let a = try #require(cairo_image_surface_create_from_png(fromSVG.path))
        let b = try #require(cairo_image_surface_create_from_png(fromPDF.path))
        defer {
            cairo_surface_destroy(a)
            cairo_surface_destroy(b)
        }
        let width = Int(min(cairo_image_surface_get_width(a), cairo_image_surface_get_width(b)))
        let height = Int(min(cairo_image_surface_get_height(a), cairo_image_surface_get_height(b)))
        // At 127 dpi a millimetre is exactly 5 pixels.
        #expect(width == 450 && height == 625)
        let (dataA, dataB) = (try #require(cairo_image_surface_get_data(a)), try #require(cairo_image_surface_get_data(b)))
        let (strideA, strideB) = (Int(cairo_image_surface_get_stride(a)), Int(cairo_image_surface_get_stride(b)))
        // Compared in 5 × 5 pixel blocks (half a millimetre): renderers anti-alias edges differently
        // (rsvg keeps the code's edges crisp, poppler smooths them), but a misplaced line of text or a
        // missing glyph changes whole blocks.
        func grey(_ data: UnsafeMutablePointer<UInt8>, _ stride: Int, _ x: Int, _ y: Int) -> Int {
            (0..<3).reduce(0) { $0 + Int(data[y * stride + x * 4 + $1]) } / 3
        }
        let block = 5
        var differing = 0
        var inked = 0
        var blocks = 0
        for top in stride(from: 0, to: height - block + 1, by: block) {
            for left in stride(from: 0, to: width - block + 1, by: block) {
                var (sumA, sumB) = (0, 0)
                for y in top..<(top + block) {
                    for x in left..<(left + block) {
                        sumA += grey(dataA, strideA, x, y)
                        sumB += grey(dataB, strideB, x, y)
                    }
                }
                blocks += 1
                if sumB / (block * block) < 200 { inked += 1 }
                if abs(sumA - sumB) / (block * block) > 40 { differing += 1 }
            }
        }
        #expect(inked > blocks / 10)
        #expect(Double(differing) < Double(blocks) * 0.01, "\(differing) of \(blocks) blocks differ")
    }

    @Test("characters no font has are reported, in every format", arguments: PlaqueFormat.allCases)
    func missingGlyphs(format: PlaqueFormat) throws {
        var plaque = plaques[2]
        plaque.name = "惠民\u{10FFFD}药房"
        plaque.services = ["免费测血压", "\u{10FFFC}"]
        let dir = try folder()
        let missing = try PlaqueRenderer.render(plaque, format: format, path: dir.appendingPathComponent("a.\(format.rawValue)").path)
        #expect(missing == ["\u{10FFFD}", "\u{10FFFC}"])
        #expect(try PlaqueRenderer.render(plaques[2], format: format, path: dir.appendingPathComponent("b.\(format.rawValue)").path) == [])
        // The plaque is still written and still scans.
        #expect(try Decoder.decode(file: dir.appendingPathComponent("a.\(format.rawValue)")) == [plaque.url])
    }

    @Test("a control character or noncharacter does not stop the rest of the plaque", arguments: PlaqueFormat.allCases)
    func unprintable(format: PlaqueFormat) throws {
        // Import refuses these; the renderer must still not leave half a plaque if one gets through
        // (cairo's PDF surface stops drawing after such text).
        var plaque = plaques[2]
        plaque.name = "惠民\u{FFFE}药房"
        plaque.services = ["免费测血压\u{7}", "\u{10FFFE}"]
        let file = try folder().appendingPathComponent("a.\(format.rawValue)")
        try PlaqueRenderer.render(plaque, format: format, path: file.path)
        // The code is drawn after the name and services.
        #expect(try Decoder.decode(file: file) == [plaque.url])
    }

    @Test("a PNG plaque records its print resolution, so a print shop gets 90 × 125 mm")
    func pngResolution() throws {
        let file = try folder().appendingPathComponent("statue.png")
        try PlaqueRenderer.render(plaques[0], format: .png, path: file.path, dpi: 300)
        let physical = try #require(try PNGChunks(file).first { $0.type == "pHYs" }?.data)
        let perMetre = physical.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        #expect(perMetre == 11811)
        #expect(physical[8] == 1)
    }

    @Test("a full disk is an error that says so, for PNG and SVG", arguments: [PlaqueFormat.png, .svg])
    func diskFull(format: PlaqueFormat) throws {
        // /dev/full fails every write with ENOSPC; it must also survive the clean-up of a failed file.
        let error = #expect(throws: CanvasError.self) {
            try PlaqueRenderer.render(plaques[0], format: format, path: "/dev/full")
        }
        #expect(error?.description.hasPrefix("cannot write /dev/full:") == true)
        #expect(error?.description.contains("No space left on device") == true, "\(String(describing: error))")
        #expect(FileManager.default.fileExists(atPath: "/dev/full"))
    }

    @Test("a PNG that cannot be written is an error naming the file", arguments: [false, true])
    func unwritable(plaque: Bool) throws {
        let path = try folder().appendingPathComponent("missing/folder/out.png").path
        let error = #expect(throws: CanvasError.self) {
            if plaque {
                try PlaqueRenderer.render(plaques[0], format: .png, path: path)
            } else {
                try PNGRenderer.write(QRMatrix.encode("x"), path: path)
            }
        }
        #expect(error?.description.hasPrefix("cannot write \(path): No such file or directory") == true)
    }
}

/// The chunks of a PNG file, read independently of the code that wrote it.
private func PNGChunks(_ file: URL) throws -> [(type: String, data: [UInt8])] {
    let bytes = [UInt8](try Data(contentsOf: file))
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    var chunks: [(type: String, data: [UInt8])] = []
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
        chunks.append((type, Array(bytes[(offset + 8)..<(offset + 8 + length)])))
        offset += 12 + length
    }
    return chunks
}
