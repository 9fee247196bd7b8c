/// A QR code as one SVG path: each dark module a unit square, so edges stay crisp at any size.
public enum SVGRenderer {
    /// `moduleSize` in user units (pixels unless the caller scales); `quietZone` in modules (4 is the standard).
    public static func render(_ matrix: QRMatrix, moduleSize: Double = 10, quietZone: Int = 4) -> String {
        String(decoding: bytes(matrix, moduleSize: moduleSize, quietZone: quietZone), as: UTF8.self)
    }

    /// The same document as UTF-8 bytes, ready for `OutputFile.write`.
    public static func bytes(_ matrix: QRMatrix, moduleSize: Double = 10, quietZone: Int = 4) -> [UInt8] {
        let total = matrix.size + 2 * quietZone
        let sideText = format(Double(total) * moduleSize)
        var document = SVGBytes(capacity: matrix.size * matrix.size * 2)
        document.append(
            string: """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(sideText)" height="\(sideText)" viewBox="0 0 \(total) \(total)" \
            shape-rendering="crispEdges"><rect width="\(total)" height="\(total)" fill="#fff"/><path fill="#000" d="
            """)
        appendModules(matrix, offset: quietZone, to: &document)
        document.append("\"/></svg>\n")
        return document.bytes
    }

    /// Path data for the dark modules, one unit a module, shifted by `offset` modules.
    ///
    /// Runs of dark modules in a row become one rectangle: a smaller file, no hairline seams.
    static func appendModules(_ matrix: QRMatrix, offset: Int, to document: inout SVGBytes) {
        for y in 0..<matrix.size {
            var x = 0
            while x < matrix.size {
                guard matrix.modules[y * matrix.size + x] else {
                    x += 1
                    continue
                }
                let start = x
                while x < matrix.size && matrix.modules[y * matrix.size + x] { x += 1 }
                // "M x yh n v1h-n z", a byte at a time: this loop runs a few hundred times a code.
                document.append(byte: UInt8(ascii: "M"))
                document.append(int: start + offset)
                document.append(byte: UInt8(ascii: " "))
                document.append(int: y + offset)
                document.append(byte: UInt8(ascii: "h"))
                document.append(int: x - start)
                document.append(byte: UInt8(ascii: "v"))
                document.append(byte: UInt8(ascii: "1"))
                document.append(byte: UInt8(ascii: "h"))
                document.append(byte: UInt8(ascii: "-"))
                document.append(int: x - start)
                document.append(byte: UInt8(ascii: "z"))
            }
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
