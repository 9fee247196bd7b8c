import Foundation

/// The independent check of everything we print: zbar's `zbarimg`, and the converters in front of it.
enum Decoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("whistle-qr-\(UUID().uuidString)\(suffix)")
    }

    /// Runs a tool and returns its standard output; throws with its stderr when it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(tool) exited \(process.terminationStatus): \(String(decoding: message, as: UTF8.self))")
        }
        return data
    }

    /// The exact bytes of every code zbarimg finds in an image file.
    static func decode(imageAt url: URL) throws -> [Data] {
        let data = try run("zbarimg", ["--nodbus", "--raw", "-q", "-Sbinary", "-Sqrcode.enable", url.path])
        // -Sbinary prints codes back to back; we only ever put one code in an image under test.
        return data.isEmpty ? [] : [data]
    }

    /// Every code in an image, one text each (for images holding several codes, such as a sheet).
    static func decodeAll(imageAt url: URL) throws -> [String] {
        let data = try run("zbarimg", ["--nodbus", "--raw", "-q", "-Sqrcode.enable", url.path])
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Decodes a plaque file as a phone would see it once printed: PNG as is, SVG and PDF rasterised first.
    static func decode(file url: URL) throws -> [String] {
        switch url.pathExtension {
        case "png":
            return try decodeAll(imageAt: url)
        case "svg":
            let png = temporaryFile(".png")
            defer { try? FileManager.default.removeItem(at: png) }
            try run("rsvg-convert", ["--dpi-x", "150", "--dpi-y", "150", "-o", png.path, url.path])
            return try decodeAll(imageAt: png)
        case "pdf":
            let prefix = temporaryFile("")
            try run("pdftoppm", ["-r", "150", "-png", url.path, prefix.path])
            let folder = prefix.deletingLastPathComponent()
            let pages = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasPrefix(prefix.lastPathComponent) && $0.hasSuffix(".png") }.sorted()
            defer { for page in pages { try? FileManager.default.removeItem(at: folder.appendingPathComponent(page)) } }
            return try pages.flatMap { try decodeAll(imageAt: folder.appendingPathComponent($0)) }
        default:
            throw Failure(description: "no decoder for \(url.lastPathComponent)")
        }
    }

    static func decode(svg: String) throws -> [Data] {
        let svgURL = temporaryFile(".svg")
        let pngURL = temporaryFile(".png")
        defer { try? FileManager.default.removeItem(at: svgURL); try? FileManager.default.removeItem(at: pngURL) }
        try svg.write(to: svgURL, atomically: true, encoding: .utf8)
        try run("rsvg-convert", ["-o", pngURL.path, svgURL.path])
        return try decode(imageAt: pngURL)
    }

    /// Paints terminal half-block text as a greyscale PGM, the way a terminal with a dark background shows it.
    static func decode(terminal text: String, invert: Bool, pixelsPerCell: Int = 6) throws -> [Data] {
        let lines = text.split(separator: "\n").map(Array.init)
        let width = (lines.map(\.count).max() ?? 0) * pixelsPerCell
        let height = lines.count * 2 * pixelsPerCell
        // Glyphs are drawn in the foreground colour: light on a dark terminal, dark on a light one.
        let glyph: UInt8 = invert ? 0 : 255
        let background: UInt8 = invert ? 255 : 0
        var pixels = [UInt8](repeating: background, count: width * height)
        for (row, line) in lines.enumerated() {
            for (column, character) in line.enumerated() {
                let (top, bottom): (Bool, Bool) =
                    switch character {
                    case "█": (true, true)
                    case "▀": (true, false)
                    case "▄": (false, true)
                    default: (false, false)
                    }
                for (half, lit) in [(0, top), (1, bottom)] where lit {
                    for dy in 0..<pixelsPerCell {
                        let y = (row * 2 + half) * pixelsPerCell + dy
                        for dx in 0..<pixelsPerCell { pixels[y * width + column * pixelsPerCell + dx] = glyph }
                    }
                }
            }
        }
        // A margin in the terminal's background colour around the drawing, as on a screen.
        let margin = 4 * pixelsPerCell
        let fullWidth = width + 2 * margin
        var framed = [UInt8](repeating: background, count: fullWidth * (height + 2 * margin))
        for y in 0..<height {
            framed.replaceSubrange(((y + margin) * fullWidth + margin)..<((y + margin) * fullWidth + margin + width), with: pixels[(y * width)..<((y + 1) * width)])
        }
        let url = temporaryFile(".pgm")
        defer { try? FileManager.default.removeItem(at: url) }
        var file = Data("P5\n\(fullWidth) \(height + 2 * margin)\n255\n".utf8)
        file.append(contentsOf: framed)
        try file.write(to: url)
        return try decode(imageAt: url)
    }
}
