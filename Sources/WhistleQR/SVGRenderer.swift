/// A QR code as one SVG path: each dark module a unit square, so edges stay crisp at any size.
public enum SVGRenderer {
    /// `moduleSize` in user units (pixels unless the caller scales); `quietZone` in modules (4 is the standard).
    public static func render(_ matrix: QRMatrix, moduleSize: Double = 10, quietZone: Int = 4) -> String {
        String(decoding: bytes(matrix, moduleSize: moduleSize, quietZone: quietZone), as: UTF8.self)
    }

    /// The same document as UTF-8 bytes, ready for `OutputFile.write`.
    public static func bytes(_ matrix: QRMatrix, moduleSize: Double = 10, quietZone: Int = 4) -> [UInt8] {
        let total = matrix.size + 2 * quietZone
        let side = Double(total) * moduleSize
        // Built as bytes: string interpolation per run dominated the time of a batch of codes.
        var path: [UInt8] = []
        path.reserveCapacity(matrix.size * matrix.size * 2)
        func append(_ value: Int) {
            if value >= 10 { append(value / 10) }
            path.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        for y in 0..<matrix.size {
            var x = 0
            while x < matrix.size {
                guard matrix.modules[y * matrix.size + x] else {
                    x += 1
                    continue
                }
                // Runs of dark modules become one rectangle: a smaller file, no hairline seams.
                let start = x
                while x < matrix.size && matrix.modules[y * matrix.size + x] { x += 1 }
                path.append(UInt8(ascii: "M"))
                append(start + quietZone)
                path.append(UInt8(ascii: " "))
                append(y + quietZone)
                path.append(UInt8(ascii: "h"))
                append(x - start)
                path += Array("v1h-".utf8)
                append(x - start)
                path.append(UInt8(ascii: "z"))
            }
        }
        let sideText = format(side)
        var document = Array(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(sideText)" height="\(sideText)" viewBox="0 0 \(total) \(total)" \
            shape-rendering="crispEdges"><rect width="\(total)" height="\(total)" fill="#fff"/><path fill="#000" d="
            """.utf8)
        document.reserveCapacity(document.count + path.count + 16)
        document += path
        document += Array("\"/></svg>\n".utf8)
        return document
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
