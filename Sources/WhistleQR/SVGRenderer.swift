/// A QR code as one SVG path: each dark module a unit square, so edges stay crisp at any size.
public enum SVGRenderer {
    /// `moduleSize` in user units (pixels unless the caller scales); `quietZone` in modules (4 is the standard).
    public static func render(_ matrix: QRMatrix, moduleSize: Double = 10, quietZone: Int = 4) -> String {
        let total = matrix.size + 2 * quietZone
        let side = Double(total) * moduleSize
        var path = ""
        for y in 0..<matrix.size {
            var x = 0
            while x < matrix.size {
                guard matrix[x, y] else {
                    x += 1
                    continue
                }
                // Runs of dark modules become one rectangle: a smaller file, no hairline seams.
                let start = x
                while x < matrix.size && matrix[x, y] { x += 1 }
                path += "M\(start + quietZone) \(y + quietZone)h\(x - start)v1h-\(x - start)z"
            }
        }
        let sideText = format(side)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(sideText)" height="\(sideText)" viewBox="0 0 \(total) \(total)" \
            shape-rendering="crispEdges"><rect width="\(total)" height="\(total)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>

            """
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
