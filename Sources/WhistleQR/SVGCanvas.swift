/// Writes a plaque as SVG directly: shapes and the QR code as paths, text as outlined glyphs.
///
/// Text is laid out by Pango and its glyphs traced by cairo (`ShapedText`), as cairo's SVG surface
/// does, but each glyph's outline is traced once per process and fixed texts are laid out once, and
/// numbers are written without printf. A glyph used on a plaque is defined once in its `<defs>` and
/// placed with `<use>`, so the file needs no fonts at the print shop.
final class SVGCanvas: PlaqueCanvas {
    private let path: String
    private let widthMM: Double
    private let heightMM: Double
    private var body = SVGBytes(capacity: 8192)
    /// Glyphs placed on this page, in order of first use.
    private var used: [Int] = []
    private var usedSet: Set<Int> = []
    private var shaper: TextShaper?
    private(set) var missing: [Unicode.Scalar] = []
    /// The first text that could not be set: `finish` throws it rather than write a plaque without it.
    private var failure: (any Error)?

    init(path: String, widthMM: Double, heightMM: Double) {
        self.path = path
        self.widthMM = widthMM
        self.heightMM = heightMM
    }

    func fill(x: Double, y: Double, width: Double, height: Double, color: Ink) {
        rect(x: x, y: y, width: width, height: height)
        body.append(" fill=\"")
        body.append(colour: color)
        body.append("\"/>\n")
    }

    func strokeRect(x: Double, y: Double, width: Double, height: Double, widthMM: Double, color: Ink) {
        rect(x: x, y: y, width: width, height: height)
        body.append(" fill=\"none\" stroke=\"")
        body.append(colour: color)
        body.append("\"")
        body.attribute("stroke-width", widthMM)
        body.append("/>\n")
    }

    func line(from start: (Double, Double), to end: (Double, Double), widthMM: Double, color: Ink) {
        body.append("<path d=\"M")
        body.append(number: start.0)
        body.append(" ")
        body.append(number: start.1)
        body.append("L")
        body.append(number: end.0)
        body.append(" ")
        body.append(number: end.1)
        body.append("\" stroke=\"")
        body.append(colour: color)
        body.append("\"")
        body.attribute("stroke-width", widthMM)
        body.append("/>\n")
    }

    @discardableResult
    func qr(_ matrix: QRMatrix, x: Double, y: Double, side: Double, quietZone: Int) -> Double {
        // Vectors take the exact module size: the code fills its square.
        fill(x: x, y: y, width: side, height: side, color: .white)
        body.append("<path transform=\"translate(")
        body.append(number: x)
        body.append(" ")
        body.append(number: y)
        body.append(") scale(")
        body.append(number: side / Double(matrix.size + 2 * quietZone))
        body.append(")\" fill=\"#000\" shape-rendering=\"crispEdges\" d=\"")
        SVGRenderer.appendModules(matrix, offset: quietZone, to: &body)
        body.append("\"/>\n")
        return side
    }

    @discardableResult
    func text(_ text: String, x: Double, y: Double, style: TextStyle, color: Ink) -> Double {
        let shaped: ShapedText
        do {
            shaped = try ShapedText.shape(text, style: style) {
                if let shaper { return shaper }
                let made = TextShaper()
                shaper = made
                return made
            }
        } catch {
            if failure == nil { failure = error }
            return 0
        }
        for scalar in shaped.missing where !missing.contains(scalar) { missing.append(scalar) }
        guard !shaped.glyphs.isEmpty else { return shaped.height }
        for glyph in shaped.glyphs where usedSet.insert(glyph).inserted { used.append(glyph) }
        body.append("<g fill=\"")
        body.append(colour: color)
        body.append("\" transform=\"translate(")
        body.append(number: x)
        body.append(byte: UInt8(ascii: " "))
        body.append(number: y)
        body.append(")\">")
        body.append(shaped.uses)
        body.append("</g>\n")
        return shaped.height
    }

    /// Writes the file: header, the glyphs this page uses, then what was drawn.
    func finish() throws {
        if let failure { throw failure }
        var document = SVGBytes(capacity: body.bytes.count + used.count * 1200 + 512)
        document.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        document.append("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"")
        document.append(" width=\"")
        document.append(number: widthMM)
        document.append("mm\" height=\"")
        document.append(number: heightMM)
        document.append("mm\" viewBox=\"0 0 ")
        document.append(number: widthMM)
        document.append(" ")
        document.append(number: heightMM)
        document.append("\">\n<defs>\n")
        GlyphOutlines.withPaths(used) { glyph, outline in
            document.append("<path id=\"g")
            document.append(int: glyph)
            document.append("\" d=\"")
            document.append(outline)
            document.append("\"/>\n")
        }
        document.append("</defs>\n")
        document.append(body.bytes)
        document.append("</svg>\n")
        try OutputFile.write(document.bytes, to: path)
    }

    private func rect(x: Double, y: Double, width: Double, height: Double) {
        body.append("<rect")
        body.attribute("x", x)
        body.attribute("y", y)
        body.attribute("width", width)
        body.attribute("height", height)
    }
}
