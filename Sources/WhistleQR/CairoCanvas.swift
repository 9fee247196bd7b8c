import CCairo
import Foundation

/// Output a canvas draws to.
public enum CanvasTarget: Sendable {
    /// Vector PDF with the CJK font embedded as a subset.
    case pdf(path: String)
    /// Raster PNG at the given resolution.
    case png(path: String, dpi: Double)
}

public struct CanvasError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Cairo and Pango behind one Swift type, for PNG and PDF: the rest of the module draws in millimetres.
///
/// Every drawing call uses millimetres of the physical page; the scale to points (PDF)
/// or pixels (PNG) is set once here, so layouts are the same in every format (SVG: `SVGCanvas`).
final class CairoCanvas: PlaqueCanvas {
    private let surface: OpaquePointer
    let context: OpaquePointer
    private let target: CanvasTarget
    /// Device units per millimetre: points for vectors, pixels for PNG.
    let unitsPerMM: Double

    static let pointsPerMM = 72.0 / 25.4
    private(set) var missing: [Unicode.Scalar] = []

    /// A canvas for pages of `width` × `height` mm.
    init(target: CanvasTarget, widthMM: Double, heightMM: Double) throws {
        self.target = target
        let made: OpaquePointer?
        switch target {
        case .pdf(let path):
            unitsPerMM = Self.pointsPerMM
            made = cairo_pdf_surface_create(path, widthMM * unitsPerMM, heightMM * unitsPerMM)
        case .png(_, let dpi):
            unitsPerMM = dpi / 25.4
            made = cairo_image_surface_create(
                CAIRO_FORMAT_RGB24, Int32((widthMM * unitsPerMM).rounded()), Int32((heightMM * unitsPerMM).rounded()))
        }
        guard let made, cairo_surface_status(made) == CAIRO_STATUS_SUCCESS else {
            let status = made.map { String(cString: cairo_status_to_string(cairo_surface_status($0))) } ?? "no surface"
            if let made { cairo_surface_destroy(made) }
            throw CanvasError(description: "cannot create \(target.pathDescription): \(status)")
        }
        surface = made
        guard let cr = cairo_create(made) else {
            cairo_surface_destroy(made)
            throw CanvasError(description: "cannot draw on \(target.pathDescription)")
        }
        context = cr
        cairo_scale(cr, unitsPerMM, unitsPerMM)
        if case .png = target {
            // A PNG starts black; paper is white.
            fill(x: 0, y: 0, width: widthMM, height: heightMM, color: .white)
        }
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// Starts a new page (PDF); the scale carries over.
    func nextPage() {
        cairo_show_page(context)
    }

    /// Writes the output and reports any error cairo collected while drawing.
    func finish() throws {
        // A drawing error puts the context, not the surface, into an error state, after which cairo
        // ignores everything: the file would be written with half a plaque.
        let drawing = cairo_status(context)
        guard drawing == CAIRO_STATUS_SUCCESS else {
            throw CanvasError(description: "cannot draw \(target.pathDescription): \(String(cString: cairo_status_to_string(drawing)))")
        }
        if case .png(let path, let dpi) = target {
            cairo_surface_flush(surface)
            let status = cairo_surface_status(surface)
            guard status == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
                throw CanvasError(description: "cannot write \(path): \(String(cString: cairo_status_to_string(status)))")
            }
            // Through libpng directly: the print resolution goes into the file, and one row filter
            // instead of libpng's try-them-all default halves the time (see PNGFile).
            try PNGFile.writeCairoRGB24(
                data, width: Int(cairo_image_surface_get_width(surface)), height: Int(cairo_image_surface_get_height(surface)),
                stride: Int(cairo_image_surface_get_stride(surface)), dpi: dpi, path: path)
        } else {
            cairo_surface_finish(surface)
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw CanvasError(description: "cannot write \(target.pathDescription): \(String(cString: cairo_status_to_string(status)))")
        }
    }

    // MARK: Shapes

    func fill(x: Double, y: Double, width: Double, height: Double, color: Ink) {
        cairo_set_source_rgb(context, color.red, color.green, color.blue)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    func line(from start: (Double, Double), to end: (Double, Double), widthMM: Double, color: Ink) {
        cairo_set_source_rgb(context, color.red, color.green, color.blue)
        cairo_set_line_width(context, widthMM)
        cairo_move_to(context, start.0, start.1)
        cairo_line_to(context, end.0, end.1)
        cairo_stroke(context)
    }

    func strokeRect(x: Double, y: Double, width: Double, height: Double, widthMM: Double, color: Ink) {
        cairo_set_source_rgb(context, color.red, color.green, color.blue)
        cairo_set_line_width(context, widthMM)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    /// Draws the QR code with its quiet zone in a `side` mm square; returns the side actually used.
    ///
    /// On a PNG the module is snapped to whole pixels and drawn without antialiasing, so no module is
    /// smeared across two pixels; vectors use the exact size.
    @discardableResult
    func qr(_ matrix: QRMatrix, x: Double, y: Double, side: Double, quietZone: Int) -> Double {
        let total = Double(matrix.size + 2 * quietZone)
        var module = side / total
        if case .png = target {
            let pixels = max(1, (module * unitsPerMM).rounded(.down))
            module = pixels / unitsPerMM
        }
        let used = module * total
        let left = x + (side - used) / 2
        let top = y + (side - used) / 2
        fill(x: left, y: top, width: used, height: used, color: .white)
        cairo_save(context)
        cairo_set_antialias(context, CAIRO_ANTIALIAS_NONE)
        cairo_set_source_rgb(context, 0, 0, 0)
        for row in 0..<matrix.size {
            var column = 0
            while column < matrix.size {
                guard matrix[column, row] else {
                    column += 1
                    continue
                }
                let start = column
                while column < matrix.size && matrix[column, row] { column += 1 }
                cairo_rectangle(
                    context, left + Double(start + quietZone) * module, top + Double(row + quietZone) * module,
                    Double(column - start) * module, module)
            }
        }
        cairo_fill(context)
        cairo_restore(context)
        return used
    }

    // MARK: Text

    @discardableResult
    func text(_ text: String, x: Double, y: Double, style: TextStyle, color: Ink) -> Double {
        guard let layout = pango_cairo_create_layout(context) else { return 0 }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        style.configure(layout, text: text)
        cairo_set_source_rgb(context, color.red, color.green, color.blue)
        cairo_move_to(context, x, y)
        pango_cairo_update_layout(context, layout)
        pango_cairo_show_layout(context, layout)
        for scalar in TextStyle.missing(in: layout) where !missing.contains(scalar) { missing.append(scalar) }
        return TextStyle.height(of: layout)
    }
}

extension CanvasTarget {
    var pathDescription: String {
        switch self {
        case .pdf(let path), .png(let path, _): path
        }
    }
}
