/// A QR code as a PNG file: `scale` pixels per module, with its quiet zone.
public enum PNGRenderer {
    public static func write(_ matrix: QRMatrix, path: String, scale: Int = 8, quietZone: Int = 4) throws {
        // One "millimetre" per module at 25.4 × scale dpi gives exactly `scale` pixels a module.
        let side = Double(matrix.size + 2 * quietZone)
        let canvas = try CairoCanvas(target: .png(path: path, dpi: 25.4 * Double(scale)), widthMM: side, heightMM: side)
        canvas.qr(matrix, x: 0, y: 0, side: side, quietZone: quietZone)
        try canvas.finish()
    }
}
