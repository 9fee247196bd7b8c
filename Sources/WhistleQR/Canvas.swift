import CCairo

/// What a plaque is drawn on, in millimetres of the physical page.
///
/// `PlaqueRenderer.draw` is written once against this; `CairoCanvas` draws PNG and PDF (and A4
/// sheets), `SVGCanvas` writes SVG. Both lay text out with the same Pango settings (`TextStyle`).
protocol PlaqueCanvas: AnyObject {
    func fill(x: Double, y: Double, width: Double, height: Double, color: Ink)
    func strokeRect(x: Double, y: Double, width: Double, height: Double, widthMM: Double, color: Ink)
    func line(from start: (Double, Double), to end: (Double, Double), widthMM: Double, color: Ink)
    /// Draws the QR code with its quiet zone in a `side` mm square; returns the side actually used.
    @discardableResult func qr(_ matrix: QRMatrix, x: Double, y: Double, side: Double, quietZone: Int) -> Double
    /// Lays out `text` in a box starting at (`x`, `y`); returns the height used in mm.
    @discardableResult func text(_ text: String, x: Double, y: Double, style: TextStyle, color: Ink) -> Double
    /// Characters drawn so far that no installed font has: they print as a blank (SVG) or a box.
    var missing: [Unicode.Scalar] { get }
}

extension PlaqueCanvas {
    @discardableResult
    func qr(_ matrix: QRMatrix, x: Double, y: Double, side: Double) -> Double {
        qr(matrix, x: x, y: y, side: side, quietZone: 4)
    }

    @discardableResult
    func text(
        _ text: String, x: Double, y: Double, width: Double, sizeMM: Double, bold: Bool = false, monospace: Bool = false,
        color: Ink = .black, alignment: TextStyle.Alignment = .center, maxLines: Int = 1
    ) -> Double {
        let style = TextStyle(sizeMM: sizeMM, width: width, bold: bold, monospace: monospace, alignment: alignment, maxLines: maxLines)
        return self.text(text, x: x, y: y, style: style, color: color)
    }

    func line(from start: (Double, Double), to end: (Double, Double), widthMM: Double) {
        line(from: start, to: end, widthMM: widthMM, color: .black)
    }
}

/// The few colours a plaque is printed in.
struct Ink: Hashable, Sendable {
    var red, green, blue: Double
    static let white = Ink(red: 1, green: 1, blue: 1)
    static let black = Ink(red: 0, green: 0, blue: 0)
    static let grey = Ink(red: 0.3, green: 0.3, blue: 0.3)
    /// The red of the whistle statues and party-service signage.
    static let whistleRed = Ink(red: 0.78, green: 0.06, blue: 0.14)
}

/// How a piece of text is set: the font's em size in millimetres, the box width, wrapping and cut-off.
struct TextStyle: Hashable, Sendable {
    enum Alignment: Hashable, Sendable { case left, center }

    var sizeMM: Double
    var width: Double
    var bold = false
    var monospace = false
    var alignment = Alignment.center
    /// Text wraps by word or character (CJK) and is cut with an ellipsis after this many lines.
    var maxLines = 1

    /// Sets `text` into a Pango layout in this style: the one place both canvases take their layout from.
    func configure(_ layout: OpaquePointer, text: String) {
        // Pango rounds glyph positions to whole user units by default, and a user unit here is a
        // millimetre: "whistle.example.cn" printed as "whist le.exam ple.cn". Exact positions instead.
        if let context = pango_layout_get_context(layout) {
            pango_context_set_round_glyph_positions(context, 0)
            pango_layout_context_changed(layout)
        }
        let family = monospace ? "Noto Sans Mono CJK SC" : "Noto Sans CJK SC"
        if let font = pango_font_description_from_string("\(family) \(bold ? "Bold" : "Regular")") {
            defer { pango_font_description_free(font) }
            pango_font_description_set_absolute_size(font, sizeMM * Self.pangoScale)
            pango_layout_set_font_description(layout, font)
        }
        pango_layout_set_width(layout, Int32(width * Self.pangoScale))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
        // A negative height limits the layout to that many lines.
        pango_layout_set_height(layout, -Int32(maxLines))
        pango_layout_set_alignment(layout, alignment == .center ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT)
        pango_layout_set_text(layout, Self.printable(text), -1)
    }

    /// `text` with control characters and Unicode noncharacters replaced by U+FFFD: cairo's PDF
    /// surface refuses such text and then silently draws nothing more on the page.
    static func printable(_ text: String) -> String {
        func bad(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isNoncharacterCodePoint || (scalar.properties.generalCategory == .control && scalar != "\n")
        }
        guard text.unicodeScalars.contains(where: bad) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(bad(scalar) ? "\u{FFFD}" : scalar) }
        return String(scalars)
    }

    /// Characters of the layout no font has a glyph for (Pango marks them PANGO_GLYPH_UNKNOWN_FLAG).
    static func missing(in layout: OpaquePointer) -> [Unicode.Scalar] {
        guard pango_layout_get_unknown_glyphs_count(layout) > 0, let iterator = pango_layout_get_iter(layout) else { return [] }
        defer { pango_layout_iter_free(iterator) }
        var found: [Unicode.Scalar] = []
        repeat {
            guard let run = pango_layout_iter_get_run_readonly(iterator) else { continue }
            let glyphs = run.pointee.glyphs.pointee
            for index in 0..<Int(glyphs.num_glyphs) {
                let glyph = glyphs.glyphs[index].glyph
                if glyph & unknownGlyphFlag != 0, let scalar = Unicode.Scalar(glyph & ~unknownGlyphFlag), !found.contains(scalar) {
                    found.append(scalar)
                }
            }
        } while pango_layout_iter_next_run(iterator) != 0
        return found
    }

    /// PANGO_GLYPH_UNKNOWN_FLAG: the rest of such a glyph is the character's code point.
    static let unknownGlyphFlag: UInt32 = 0x1000_0000

    /// The layout's height in mm.
    static func height(of layout: OpaquePointer) -> Double {
        var logical = PangoRectangle()
        pango_layout_get_extents(layout, nil, &logical)
        return Double(logical.height) / pangoScale
    }

    /// Pango units per user unit (a millimetre here).
    static let pangoScale = Double(whistle_pango_scale())
}
