/// A QR code as a 1-bit PNG file: `scale` pixels per module, with its quiet zone.
public enum PNGRenderer {
    public static func write(_ matrix: QRMatrix, path: String, scale: Int = 8, quietZone: Int = 4) throws {
        precondition(scale >= 1 && quietZone >= 0)
        let side = (matrix.size + 2 * quietZone) * scale
        let stride = (side + 7) / 8
        // All bits set is white paper; each dark module clears a `scale` × `scale` square.
        var rows = [UInt8](repeating: 0xFF, count: stride * side)
        rows.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<matrix.size {
                let top = (row + quietZone) * scale
                // Draw the first pixel row of this module row, then copy it down `scale - 1` times.
                let first = buffer.baseAddress! + top * stride
                for column in 0..<matrix.size where matrix.modules[row * matrix.size + column] {
                    let left = (column + quietZone) * scale
                    for x in left..<(left + scale) { first[x >> 3] &= ~(0x80 >> UInt8(x & 7)) }
                }
                for copy in 1..<scale { (first + copy * stride).update(from: first, count: stride) }
            }
        }
        try PNGFile.writeBilevel(rows, width: side, height: side, dpi: 0, path: path)
    }
}
