import CCairo
import Synchronization

/// Text laid out by Pango and reduced to glyphs placed in millimetres, for writing SVG directly.
///
/// A plaque's headline, community name and domain are the same on every plaque of a kind, and the
/// same few dozen glyphs recur across a community. Both are laid out or traced once per process
/// and kept here, so a batch only lays out what differs per point (its name, code and services).
struct ShapedText: Sendable {
    /// The glyphs used, each once, for the page's `<defs>`.
    var glyphs: [Int]
    /// `<use>` elements placing each glyph relative to the layout's top left, in mm: written once,
    /// copied onto every page that sets this text.
    var uses: [UInt8]
    /// Height of the laid-out text in mm.
    var height: Double
    /// Characters no font has: left out of `uses`.
    var missing: [Unicode.Scalar]

    private struct Key: Hashable {
        var text: String
        var style: TextStyle
    }

    /// Plenty for every fixed text of a community; names and codes beyond this are laid out each time.
    private static let cacheLimit = 4096
    private static let cache = Mutex<[Key: ShapedText]>([:])

    /// `text` set in `style`, from the cache or laid out with `shaper`.
    static func shape(_ text: String, style: TextStyle, with shaper: () -> TextShaper) throws -> ShapedText {
        let key = Key(text: text, style: style)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let shaped = try shaper().shape(text, style: style)
        cache.withLock { cache in
            if cache.count < cacheLimit { cache[key] = shaped }
        }
        return shaped
    }
}

/// Glyph outlines as SVG path data in mm around the glyph's origin, each traced once per process.
enum GlyphOutlines {
    /// A glyph of a font at a size, the font named by its index in `fonts`.
    struct Key: Hashable {
        var font: Int
        var glyph: UInt32
    }

    private struct Store {
        var fonts: [String: Int] = [:]
        var indexes: [Key: Int] = [:]
        var paths: [[UInt8]] = []
    }

    private static let store = Mutex(Store())

    /// A small number standing for a font description (family, weight, size).
    static func font(named name: String) -> Int {
        store.withLock { store in
            if let index = store.fonts[name] { return index }
            store.fonts[name] = store.fonts.count
            return store.fonts.count - 1
        }
    }

    /// The index of the glyph `key`, tracing it with `trace` the first time; nil, and nothing kept,
    /// when tracing fails.
    static func index(of key: Key, trace: () -> [UInt8]?) -> Int? {
        if let index = store.withLock({ $0.indexes[key] }) { return index }
        guard let path = trace() else { return nil }
        return store.withLock { store in
            if let index = store.indexes[key] { return index }
            store.paths.append(path)
            store.indexes[key] = store.paths.count - 1
            return store.paths.count - 1
        }
    }

    /// Calls `body` with the outline of each glyph, under one lock.
    static func withPaths(_ indexes: [Int], _ body: (Int, [UInt8]) -> Void) {
        store.withLock { store in
            for index in indexes { body(index, store.paths[index]) }
        }
    }
}

/// Lays text out with Pango on a vector context in mm and traces glyphs with cairo.
///
/// One per canvas and thread: Pango's font map is per thread, and so is everything made from it.
final class TextShaper {
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let pango: OpaquePointer
    /// `GlyphOutlines` font index per PangoFont, so a run's font is described once. Each font is
    /// referenced while it is a key here, so its address cannot be reused by another font.
    private var fonts: [UnsafeMutableRawPointer: Int] = [:]

    /// Pango's marker for "no glyph here" (PANGO_GLYPH_EMPTY).
    private static let emptyGlyph: UInt32 = 0x0FFF_FFFF

    init() {
        // A recording surface: the metrics of a vector target (no hinting), as cairo's SVG and PDF surfaces.
        surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nil)
        context = cairo_create(surface)
        cairo_scale(context, CairoCanvas.pointsPerMM, CairoCanvas.pointsPerMM)
        pango = pango_cairo_create_context(context)
        // Unhinted metrics and outlines, as cairo's vector surfaces use: a recording surface would
        // otherwise round ascents to whole points and set every line a little lower than the PDF.
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        pango_cairo_context_set_font_options(pango, options)
        cairo_font_options_destroy(options)
    }

    deinit {
        for font in fonts.keys { g_object_unref(font) }
        g_object_unref(UnsafeMutableRawPointer(pango))
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    func shape(_ text: String, style: TextStyle) throws -> ShapedText {
        let layout = pango_layout_new(pango)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        style.configure(layout, text: text)
        var used: [Int] = []
        var uses = SVGBytes()
        let iterator = pango_layout_get_iter(layout)!
        defer { pango_layout_iter_free(iterator) }
        repeat {
            // A run is a stretch of glyphs in one font; a line ends with a NULL run.
            guard let run = pango_layout_iter_get_run_readonly(iterator), let font = run.pointee.item.pointee.analysis.font else {
                continue
            }
            let glyphs = run.pointee.glyphs.pointee
            var logical = PangoRectangle()
            pango_layout_iter_get_run_extents(iterator, nil, &logical)
            let baseline = Double(pango_layout_iter_get_baseline(iterator)) / TextStyle.pangoScale
            var x = Double(logical.x)
            for index in 0..<Int(glyphs.num_glyphs) {
                let info = glyphs.glyphs[index]
                defer { x += Double(info.geometry.width) }
                guard info.glyph != Self.emptyGlyph, info.glyph & TextStyle.unknownGlyphFlag == 0 else { continue }
                let key = GlyphOutlines.Key(font: fontIndex(font), glyph: info.glyph)
                guard let glyph = GlyphOutlines.index(of: key, trace: { trace(info.glyph, in: font) }) else {
                    let status = String(cString: cairo_status_to_string(cairo_status(context)))
                    throw CanvasError(description: "cannot trace glyph \(info.glyph) of '\(text)': \(status)")
                }
                if !used.contains(glyph) { used.append(glyph) }
                uses.append("<use xlink:href=\"#g")
                uses.append(int: glyph)
                uses.append("\"")
                uses.attribute("x", (x + Double(info.geometry.x_offset)) / TextStyle.pangoScale)
                uses.attribute("y", baseline + Double(info.geometry.y_offset) / TextStyle.pangoScale)
                uses.append("/>")
            }
        } while pango_layout_iter_next_run(iterator) != 0
        return ShapedText(glyphs: used, uses: uses.bytes, height: TextStyle.height(of: layout), missing: TextStyle.missing(in: layout))
    }

    private func fontIndex(_ font: UnsafeMutablePointer<PangoFont>) -> Int {
        let pointer = UnsafeMutableRawPointer(font)
        if let index = fonts[pointer] { return index }
        let description = pango_font_describe_with_absolute_size(font)
        defer { pango_font_description_free(description) }
        let text = pango_font_description_to_string(description)!
        defer { g_free(text) }
        let index = GlyphOutlines.font(named: String(cString: text))
        g_object_ref(pointer)
        fonts[pointer] = index
        return index
    }

    /// The outline of one glyph drawn at the origin, as SVG path data in mm; nil if cairo failed
    /// (a context in error gives empty paths from then on, which must not be kept as the glyph).
    private func trace(_ glyph: UInt32, in font: UnsafeMutablePointer<PangoFont>) -> [UInt8]? {
        let string = pango_glyph_string_new()!
        defer { pango_glyph_string_free(string) }
        pango_glyph_string_set_size(string, 1)
        string.pointee.glyphs[0] = PangoGlyphInfo(
            glyph: glyph, geometry: PangoGlyphGeometry(width: 0, x_offset: 0, y_offset: 0), attr: PangoGlyphVisAttr())
        cairo_new_path(context)
        cairo_move_to(context, 0, 0)
        pango_cairo_glyph_string_path(context, font, string)
        guard let path = cairo_copy_path(context) else { return nil }
        defer {
            cairo_path_destroy(path)
            cairo_new_path(context)
        }
        guard cairo_status(context) == CAIRO_STATUS_SUCCESS, path.pointee.status == CAIRO_STATUS_SUCCESS else { return nil }
        var data = SVGBytes()
        var index = 0
        let count = Int(path.pointee.num_data)
        while index < count {
            let header = path.pointee.data[index].header
            func point(_ offset: Int) {
                let point = path.pointee.data[index + offset].point
                data.append(number: point.x)
                data.append(" ")
                data.append(number: point.y)
            }
            switch header.type {
            case CAIRO_PATH_MOVE_TO:
                data.append("M")
                point(1)
            case CAIRO_PATH_LINE_TO:
                data.append("L")
                point(1)
            case CAIRO_PATH_CURVE_TO:
                data.append("C")
                point(1)
                data.append(" ")
                point(2)
                data.append(" ")
                point(3)
            default:
                data.append("Z")
            }
            index += Int(header.length)
        }
        return data.bytes
    }
}
