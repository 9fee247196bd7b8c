import CPNG

/// PNG files through libpng, with the choices cairo's own PNG writer does not offer: 1-bit codes,
/// the print resolution (pHYs), and compression settings picked for flat artwork.
///
/// Measured with bench/plaques.sh (300 dpi plaques, 1063 × 1476 px): cairo's writer (zlib level 6,
/// every row filter tried on every row) made 50 plaques/s; zlib level 1 with no row filter makes
/// about 180/s, for files 40% larger (about 95 KB). White paper, solid red and black modules are
/// long runs, which the fastest deflate already finds.
enum PNGFile {
    /// Writes packed 1-bit rows (most significant bit first, 0 black, 1 white; `(width + 7) / 8` bytes a row)
    /// as a 1-bit greyscale PNG, with no pHYs when `dpi` is 0.
    static func writeBilevel(_ rows: [UInt8], width: Int, height: Int, dpi: Double, path: String) throws {
        let stride = (width + 7) / 8
        precondition(rows.count == stride * height)
        try rows.withUnsafeBufferPointer { buffer in
            // A code is a few kilobytes of pixels: a small zlib state (memLevel 4) is cheaper to set up
            // and tear down per file, and repeated rows compress without a row filter.
            try write(
                path: path, pixels: buffer.baseAddress!, width: width, height: height, stride: stride, kind: WHISTLE_PNG_BILEVEL,
                dpi: dpi, memoryLevel: 4)
        }
    }

    /// Writes a cairo RGB24 image (`stride` bytes a row) as an 8-bit RGB PNG.
    static func writeCairoRGB24(
        _ pixels: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, dpi: Double, path: String
    ) throws {
        try write(
            path: path, pixels: pixels, width: width, height: height, stride: stride, kind: WHISTLE_PNG_CAIRO_RGB24, dpi: dpi,
            memoryLevel: 8)
    }

    private static func write(
        path: String, pixels: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, kind: whistle_png_pixels, dpi: Double,
        memoryLevel: Int32
    ) throws {
        var error = whistle_png_error()
        let status = whistle_png_write(
            path, pixels, Int32(width), Int32(height), Int32(stride), kind, dpi, 1, memoryLevel, Int32(PNG_FILTER_NONE), &error)
        guard status == 0 else {
            let message = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw CanvasError(description: "cannot write \(path): \(message.isEmpty ? "libpng failed" : message)")
        }
    }
}
